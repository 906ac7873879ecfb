from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, tzinfo
from typing import Any

import pytest
import standardwebhooks.webhooks

from hubwire.common.errors import InvalidInput
from hubwire.common.webhooks import generate_secret, headers, sign, verify
from tests.conftest import shared_cases

CASE: dict[str, Any] = json.loads(
    (shared_cases() / "webhook-signature.json").read_text("utf-8")
)
SECRET: str = CASE["secret"]
MSG_ID: str = CASE["webhook-id"]
TIMESTAMP = int(CASE["webhook-timestamp"])
BODY: bytes = CASE["body"].encode()


@pytest.fixture
def clock_at_case_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the library's clock at the case's timestamp (it is from 2021).

    Without this every old signature fails as "too old", and a must-not-verify
    case would pass for the wrong reason.
    """
    moment = datetime.fromtimestamp(TIMESTAMP, tz=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls.fromtimestamp(moment.timestamp(), tz=tz)

    monkeypatch.setattr(standardwebhooks.webhooks, "datetime", Frozen)


def case_headers(signature: str) -> dict[str, str]:
    return {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": signature,
    }


def test_the_shared_case_is_signed_exactly() -> None:
    signature = sign([SECRET], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)

    assert signature == CASE["expected-signature"]


def test_headers_carry_id_timestamp_and_signature() -> None:
    result = headers([SECRET], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)

    assert result == case_headers(CASE["expected-signature"])


@pytest.mark.usefixtures("clock_at_case_time")
def test_the_shared_case_verifies() -> None:
    verify(SECRET, case_headers(CASE["expected-signature"]), BODY)


@pytest.mark.usefixtures("clock_at_case_time")
@pytest.mark.parametrize("signature", CASE["must-not-verify"])
def test_each_shared_must_not_verify_signature_fails(signature: str) -> None:
    with pytest.raises(InvalidInput, match="webhook signature not verified"):
        verify(SECRET, case_headers(signature), BODY)


@pytest.mark.usefixtures("clock_at_case_time")
@pytest.mark.parametrize("signature", ["v1", "v1,a,b", "v1,abc"])
def test_a_malformed_signature_header_fails_cleanly(signature: str) -> None:
    with pytest.raises(InvalidInput, match="malformed signature"):
        verify(SECRET, case_headers(signature), BODY)


@pytest.mark.usefixtures("clock_at_case_time")
def test_a_changed_body_fails() -> None:
    signed = case_headers(CASE["expected-signature"])

    with pytest.raises(InvalidInput, match="No matching signature"):
        verify(SECRET, signed, BODY.replace(b"2432", b"2433"))


@pytest.mark.usefixtures("clock_at_case_time")
def test_header_names_are_case_insensitive() -> None:
    signed = {k.title(): v for k, v in case_headers(CASE["expected-signature"]).items()}

    verify(SECRET, signed, BODY)


def test_an_old_timestamp_fails_on_the_real_clock() -> None:
    with pytest.raises(InvalidInput, match="too old"):
        verify(SECRET, case_headers(CASE["expected-signature"]), BODY)


def test_a_request_without_signature_headers_fails() -> None:
    with pytest.raises(InvalidInput, match="Missing required headers"):
        verify(SECRET, {"content-type": "application/json"}, BODY)


def test_a_generated_secret_is_24_random_bytes_behind_the_prefix() -> None:
    first, second = generate_secret(), generate_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 24
    assert first != second


def test_a_fresh_request_signed_with_a_generated_secret_verifies() -> None:
    secret, now = generate_secret(), int(time.time())
    body = b'{"type": "hub.test", "data": {"message": "\xc3\xa9t\xc3\xa9"}}'

    verify(secret, headers([secret], msg_id="msg_1", timestamp=now, body=body), body)


def test_during_rotation_both_secrets_sign_and_either_verifies() -> None:
    new, old, stranger = generate_secret(), generate_secret(), generate_secret()
    now = int(time.time())

    signed = headers([new, old], msg_id="msg_2", timestamp=now, body=BODY)
    new_only = sign([new], msg_id="msg_2", timestamp=now, body=BODY)
    old_only = sign([old], msg_id="msg_2", timestamp=now, body=BODY)

    assert signed["webhook-signature"] == f"{new_only} {old_only}"
    verify(new, signed, BODY)
    verify(old, signed, BODY)
    with pytest.raises(InvalidInput, match="No matching signature"):
        verify(stranger, signed, BODY)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(InvalidInput, match="at least one signing secret"):
        sign([], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)


@pytest.mark.parametrize(
    "secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not*base64!"]
)
def test_a_malformed_secret_is_refused_without_being_echoed(secret: str) -> None:
    with pytest.raises(InvalidInput, match="not whsec_ followed by base64") as caught:
        sign([secret], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)

    assert secret.removeprefix("whsec_") not in caught.value.detail


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not whsec_ followed by base64"):
        verify("whsec_", case_headers(CASE["expected-signature"]), BODY)


@pytest.mark.parametrize("msg_id", ["", "msg 1", "msg_1\r\nx-injected: 1"])
def test_an_id_unfit_for_a_header_is_refused(msg_id: str) -> None:
    with pytest.raises(InvalidInput, match="webhook id must be"):
        sign([SECRET], msg_id=msg_id, timestamp=TIMESTAMP, body=BODY)


@pytest.mark.parametrize("timestamp", [-1, True])
def test_a_timestamp_must_be_a_non_negative_integer(timestamp: int) -> None:
    with pytest.raises(InvalidInput, match="non-negative integer"):
        sign([SECRET], msg_id=MSG_ID, timestamp=timestamp, body=BODY)


def test_a_body_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not UTF-8"):
        sign([SECRET], msg_id=MSG_ID, timestamp=TIMESTAMP, body=b"\xff\xfe")
