"""Standard Webhooks signing of webhook requests.

Each request carries ``webhook-id`` (stable across retries, so receivers can
de-duplicate), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under the hub's secret
``whsec_<base64>``. During a rotation both the new and the old secret sign, and
the header carries both signatures separated by a space; a receiver that knows
either secret accepts the request.

The HMAC itself is the ``standardwebhooks`` library's, so Hubwire signs exactly
as receivers that use the reference library verify. That library signs text:
bodies must be UTF-8, which every JSON body is.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets as random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hubwire.common.errors import InvalidInput

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 24
# Printable ASCII without spaces: the id goes into a header and into the signed
# "id.timestamp.body" text.
_MSG_ID = re.compile(r"[\x21-\x7e]{1,256}")


def generate_secret() -> str:
    """A new signing secret: ``whsec_`` and the base64 of 24 random bytes."""
    key = base64.b64encode(random.token_bytes(_SECRET_BYTES)).decode("ascii")
    return SECRET_PREFIX + key


def sign(secrets: Sequence[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: one ``v1,<sig>`` per secret.

    Pass the current secret first and, during a rotation, the old one after it.
    Raises ``InvalidInput`` for no secret, a malformed secret (never echoed),
    an unusable id or timestamp, or a body that is not UTF-8.
    """
    if not secrets:
        raise InvalidInput("at least one signing secret is needed")
    _check_message(msg_id, timestamp)
    text = _body_text(body)
    when = datetime.fromtimestamp(timestamp, tz=UTC)

    signatures = [
        _webhook(secret).sign(msg_id=msg_id, timestamp=when, data=text)
        for secret in secrets
    ]
    return " ".join(signatures)


def headers(
    secrets: Sequence[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for one request."""
    signature = sign(secrets, msg_id=msg_id, timestamp=timestamp, body=body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Accept a request signed with ``secret``, or raise ``InvalidInput``.

    Header names are case-insensitive. The timestamp must lie within the
    library's tolerance of now (five minutes either way), which bounds replays.
    Used by test receivers and documented for customers; Hubwire itself signs.
    """
    webhook = _webhook(secret)
    try:
        webhook.verify(body, dict(headers.items()), json_parse=False)
    except WebhookVerificationError as exc:
        raise InvalidInput(f"webhook signature not verified: {exc}") from exc
    except ValueError as exc:
        # The library lets a malformed signature entry ("v1", "a,b,c", bad
        # base64) or a non-UTF-8 body escape as ValueError.
        detail = "webhook signature not verified: malformed signature or body"
        raise InvalidInput(detail) from exc


def _webhook(secret: str) -> Webhook:
    """The library's signer for ``secret``, checked strictly first.

    The library decodes base64 leniently (it drops invalid characters), so a
    mangled secret would sign with a different key instead of failing.
    """
    key = secret.removeprefix(SECRET_PREFIX)
    if key == secret or not _strict_base64(key):
        raise InvalidInput("signing secret is not whsec_ followed by base64")
    return Webhook(secret)


def _strict_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        return b""


def _check_message(msg_id: str, timestamp: int) -> None:
    if not _MSG_ID.fullmatch(msg_id):
        raise InvalidInput("webhook id must be 1-256 printable ASCII characters")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise InvalidInput("webhook timestamp must be a non-negative integer")


def _body_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("webhook body is not UTF-8") from exc
