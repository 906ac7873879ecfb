"""HTTP calls to customer apps: the import read and the write-back update.

Every call goes through the outbound guard (the URL is checked, and every
resolved address is checked again at connect time), with a connect timeout
and an overall timeout, without following redirects. Failures become
Hubwire errors here, once:

- ``OutboundURLRefused``: the URL or its addresses may not be called;
- ``Unavailable``: no answer (connection refused, DNS failure, timeout);
- ``AppAnswerError`` (an ``UpstreamError`` with the HTTP ``status``): the app
  answered with a status that is not 2xx, or more bytes than allowed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp

from hubwire.common.errors import (
    InvalidInput,
    OutboundURLRefused,
    Unavailable,
    UpstreamError,
)
from hubwire.common.outbound import OutboundPolicy, check_url, guarded_connector
from hubwire.mapping.connectivity import AppConnection

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
# Statuses worth trying again later; any other non-2xx is the app's "no".
RETRYABLE_STATUSES = frozenset({408, 425, 429})
# Headers Hubwire sets itself; an extra header of the same name is ignored.
_OURS = frozenset({"accept", "content-type", "content-length", "idempotency-key"})


class AppAnswerError(UpstreamError):
    """The app answered, but not with what was asked for."""

    def __init__(self, detail: str, *, status: int) -> None:
        super().__init__(detail)
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.status >= 500 or self.status in RETRYABLE_STATUSES


@dataclass(frozen=True, kw_only=True)
class AppClientConfig:
    policy: OutboundPolicy
    connect_timeout: float = 5.0
    timeout: float = 15.0
    max_bytes: int = 2 * 1024 * 1024


class AppClient:
    """One aiohttp session for all apps, created on first use (in the loop)."""

    def __init__(self, config: AppClientConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    async def fetch_objects(self, conn: AppConnection) -> bytes:
        """GET the import endpoint; the answer's bytes, at most ``max_bytes``."""
        headers = _headers(conn, {"Accept": "application/json"})
        limit = self.config.max_bytes
        return await self._request("GET", conn.url, headers=headers, limit=limit)

    async def update(
        self, conn: AppConnection, url: str, *, body: dict[str, object], key: str
    ) -> None:
        """POST one record's changes with an ``Idempotency-Key``."""
        extra = {"Accept": "application/json", "Idempotency-Key": key}
        headers = _headers(conn, extra)
        await self._request("POST", url, headers=headers, json=body, limit=None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        limit: int | None,
        json: object = None,
    ) -> bytes:
        """The answer's body when ``limit`` is set; with ``None`` only the
        status counts and the body is not read (an update's answer is not
        used, and a large one must not turn an applied change into an
        error)."""
        check_url(url, policy=self.config.policy)
        try:
            async with self._http().request(
                method, url, headers=headers, json=json, allow_redirects=False
            ) as resp:
                _check_status(resp, url)
                return b"" if limit is None else await _read_bounded(resp, limit)
        except OutboundURLRefused:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unavailable(
                f"the app at {url} is unreachable: {_reason(exc)}"
            ) from exc

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(
                total=self.config.timeout, sock_connect=self.config.connect_timeout
            )
            self._session = aiohttp.ClientSession(
                connector=guarded_connector(self.config.policy),
                timeout=timeout,
                trust_env=False,
            )
        return self._session


def _headers(conn: AppConnection, ours: dict[str, str]) -> dict[str, str]:
    """The hub's extra headers, then ours, which win on a clash; Basic auth
    (UTF-8, RFC 7617) from the username and password replaces any extra
    Authorization."""
    headers = {k: v for k, v in conn.headers if k.lower() not in _OURS}
    headers.update(ours)
    if conn.username:
        if ":" in conn.username:
            raise InvalidInput(
                "the app username may not contain ':' (HTTP Basic)", pointer="/username"
            )
        for name in [n for n in headers if n.lower() == "authorization"]:
            del headers[name]
        headers["Authorization"] = aiohttp.encode_basic_auth(
            conn.username, conn.password
        )
    return headers


def _check_status(resp: aiohttp.ClientResponse, url: str) -> None:
    status = resp.status
    if 200 <= status < 300:
        return
    if status in (401, 403):
        detail = f"the app refused the credentials (HTTP {status} from {url})"
    elif 300 <= status < 400:
        detail = (
            f"the app at {url} answered a redirect (HTTP {status}); redirects are "
            "not followed, set the final URL"
        )
    elif status >= 500:
        detail = f"the app at {url} failed (HTTP {status})"
    else:
        detail = f"the app at {url} answered HTTP {status}"
    raise AppAnswerError(detail, status=status)


async def _read_bounded(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, refusing it past ``limit`` bytes without reading further.
    The bound applies after decompression, so a small gzip bomb is refused."""
    if resp.content_length is not None and resp.content_length > limit:
        raise _too_large(resp, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(resp, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(resp: aiohttp.ClientResponse, limit: int) -> AppAnswerError:
    return AppAnswerError(
        f"the app's answer from {resp.url} is larger than the bound of {limit} bytes",
        status=resp.status,
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer within the timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        # aiohttp's own text adds "ssl:default" even for http:// URLs.
        error = exc.os_error
        return f"cannot connect ({error.strerror or type(error).__name__})"
    return str(exc) or type(exc).__name__
