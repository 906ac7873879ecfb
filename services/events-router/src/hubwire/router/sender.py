"""One HTTP delivery attempt: signed POST, classified outcome.

aiohttp is the client because it measured fastest here (see docs/benchmarks.md);
its connector resolves through the outbound guard, so the connection goes to
the address that was checked.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import aiohttp

from hubwire.common import telemetry, webhooks
from hubwire.common.errors import OutboundURLRefused
from hubwire.common.outbound import OutboundPolicy, guarded_connector, refusal_of


@dataclass(frozen=True, kw_only=True)
class Outcome:
    ok: bool
    status_code: int = 0
    latency_ms: int = 0
    error: str = ""
    response_body: str = ""
    retry_after: float | None = None
    # gone: 410, disable the destination; refused: the address is not allowed.
    gone: bool = False
    refused: bool = False


class Sender:
    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        connect_timeout: float,
        request_timeout: float,
        body_limit: int,
        limit: int = 512,
        limit_per_host: int = 0,
    ) -> None:
        self.policy = policy
        self.timeout = aiohttp.ClientTimeout(
            total=request_timeout, sock_connect=connect_timeout
        )
        self.body_limit = body_limit
        self._limits = (limit, limit_per_host)
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = guarded_connector(
            self.policy, limit=self._limits[0], limit_per_host=self._limits[1]
        )
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=self.timeout, auto_decompress=False
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def send(
        self,
        *,
        url: str,
        body: bytes,
        msg_id: str,
        secrets: tuple[str, ...],
        username: str = "",
        password: str | None = None,
    ) -> Outcome:
        headers = webhooks.headers(
            secrets, msg_id=msg_id, timestamp=int(time.time()), body=body
        )
        headers["content-type"] = "application/json"
        headers["user-agent"] = "Hubwire-Webhooks/1.0"
        telemetry.inject(headers)
        if username:
            headers["authorization"] = basic_auth(username, password or "")
        return await self._post(url, body, headers)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        assert self.session is not None, "Sender.start() first"
        start = time.perf_counter()
        try:
            async with self.session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as resp:
                text = await self._read(resp)
                return self._classify(resp, text, _ms(start))
        except OutboundURLRefused as exc:
            return Outcome(
                ok=False, latency_ms=_ms(start), error=exc.detail, refused=True
            )
        except aiohttp.ClientConnectorError as exc:
            refused = refusal_of(exc)
            if refused is not None:
                return Outcome(
                    ok=False, latency_ms=_ms(start), error=refused.detail, refused=True
                )
            return Outcome(ok=False, latency_ms=_ms(start), error=_connect_error(exc))
        except TimeoutError:
            return Outcome(ok=False, latency_ms=_ms(start), error="timed out")
        except aiohttp.ClientError as exc:
            return Outcome(
                ok=False, latency_ms=_ms(start), error=f"{type(exc).__name__}: {exc}"
            )

    async def _read(self, resp: aiohttp.ClientResponse) -> str:
        raw = await resp.content.read(self.body_limit) if self.body_limit else b""
        # Bytes that are not UTF-8 are kept visible as escapes, never an error.
        return raw.decode("utf-8", errors="backslashreplace")

    def _classify(
        self, resp: aiohttp.ClientResponse, text: str, latency: int
    ) -> Outcome:
        status = resp.status
        if 200 <= status < 300:
            return Outcome(
                ok=True, status_code=status, latency_ms=latency, response_body=text
            )
        error = f"HTTP {status}"
        if 300 <= status < 400:
            error += " (redirects are not followed)"
        return Outcome(
            ok=False,
            status_code=status,
            latency_ms=latency,
            response_body=text,
            error=error,
            gone=status == 410,
            retry_after=_retry_after(resp.headers.get("retry-after"))
            if status in (429, 503)
            else None,
        )


def _connect_error(exc: aiohttp.ClientConnectorError) -> str:
    reason = exc.os_error.strerror or str(exc.os_error)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup of {exc.host} failed: {reason}"
    return f"connection to {exc.host}:{exc.port} failed: {reason}"


def basic_auth(username: str, password: str) -> str:
    """HTTP Basic credentials in UTF-8 (RFC 7617), not aiohttp's Latin-1."""
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)
