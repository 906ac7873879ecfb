"""The error tree shared by every Hubwire service.

::

    HubwireError                 base; ``code`` names the kind for the edges
    ├── InvalidInput             bad input: what, where (JSON Pointer), why
    ├── NotFound                 missing, or belongs to another account
    ├── Conflict                 taken name, mapping already held, in use
    ├── Unauthenticated          wrong or expired credentials
    ├── PermissionDenied         authenticated but not allowed
    ├── OutboundURLRefused       a destination or app URL that may not be called
    ├── Unavailable              a dependency (service, broker, app) is down
    └── UpstreamError            a customer app answered, but wrongly

Each edge maps these once: gRPC servers to status codes
(``hubwire.common.grpcutil``), the gateway to RFC 9457 problem documents.
Library exceptions are translated where they are caught, with ``from exc``.
"""

from __future__ import annotations

import grpc


class HubwireError(Exception):
    """Base of every Hubwire error; ``detail`` is safe to show to a caller."""

    code = "error"
    grpc_status = grpc.StatusCode.INTERNAL
    http_status = 500

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer


class InvalidInput(HubwireError):
    code = "invalid_input"
    grpc_status = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 422


class NotFound(HubwireError):
    code = "not_found"
    grpc_status = grpc.StatusCode.NOT_FOUND
    http_status = 404


class Conflict(HubwireError):
    code = "conflict"
    grpc_status = grpc.StatusCode.ALREADY_EXISTS
    http_status = 409


class Unauthenticated(HubwireError):
    code = "unauthenticated"
    grpc_status = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401


class PermissionDenied(HubwireError):
    code = "permission_denied"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED
    http_status = 403


class OutboundURLRefused(InvalidInput):
    """A URL Hubwire will not call; ``url`` and ``reason`` say which and why."""

    code = "outbound_url_refused"

    def __init__(self, url: str, reason: str, *, pointer: str | None = None) -> None:
        super().__init__(f"URL {url!r} refused: {reason}", pointer=pointer)
        self.url = url
        self.reason = reason


class Unavailable(HubwireError):
    code = "unavailable"
    grpc_status = grpc.StatusCode.UNAVAILABLE
    http_status = 503


class UpstreamError(HubwireError):
    code = "upstream_error"
    grpc_status = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 502


ERRORS_BY_CODE: dict[str, type[HubwireError]] = {
    cls.code: cls
    for cls in (
        HubwireError,
        InvalidInput,
        NotFound,
        Conflict,
        Unauthenticated,
        PermissionDenied,
        OutboundURLRefused,
        Unavailable,
        UpstreamError,
    )
}
