"""OpenTelemetry and Prometheus, set up once per service.

``setup(service_name, settings)`` installs a tracer provider whose exporter
follows ``HUBWIRE_TELEMETRY``:

* ``none``: spans are still made, so trace ids reach the logs and trace context
  travels on, but nothing is exported;
* ``console``: one JSON line per finished span on stdout;
* ``otlp``: OTLP over gRPC to ``HUBWIRE_OTLP_ENDPOINT`` (empty: the exporter's
  own ``OTEL_EXPORTER_OTLP_ENDPOINT``, default ``localhost:4317``).

It also instruments every gRPC client and server of the process, so context
crosses the gRPC edge in metadata. It must run before the first channel or
server is created (instrumentation wraps their constructors).

Across NATS the context travels as a W3C ``traceparent`` header: producers
call ``traceparent()`` (or ``inject``) and consumers ``context_from`` on the
message headers, then start their span with that parent.

Metrics are Prometheus: the gateway serves ``/metrics`` itself; a service
without HTTP calls ``serve_metrics(port)`` (``HUBWIRE_<SERVICE>_METRICS_PORT``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping
from typing import Protocol

import prometheus_client
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.grpc import (
    GrpcAioInstrumentorClient,
    GrpcAioInstrumentorServer,
    filters,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace.propagation.tracecontext import (
    TraceContextTextMapPropagator,
)

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
# The service this process set up telemetry for; None until setup() ran.
_service: str | None = None


class TelemetryConfig(Protocol):
    """What ``setup`` reads from a service's settings."""

    @property
    def telemetry(self) -> str: ...

    @property
    def otlp_endpoint(self) -> str: ...


def setup(service_name: str, settings: TelemetryConfig) -> None:
    """Install tracing for this process; a second call changes nothing.

    Raises ``ValueError`` for an unknown exporter name.
    """
    global _service
    if _service is not None:
        return
    exporter = _exporter(settings.telemetry, settings.otlp_endpoint)
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": service_name, "service.namespace": "hubwire"}
        )
    )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(TraceContextTextMapPropagator())

    GrpcAioInstrumentorClient().instrument()
    GrpcAioInstrumentorServer(
        filter_=filters.negate(filters.health_check())
    ).instrument()
    _service = service_name
    log.info("telemetry ready service=%s exporter=%s", service_name, settings.telemetry)


def _exporter(kind: str, endpoint: str) -> SpanExporter | None:
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleSpanExporter(formatter=_one_line)
    if kind == "otlp":
        # Imported here: the OTLP exporter pulls in protobuf stubs that a
        # console or silent setup never needs.
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter,
        )

        return OTLPSpanExporter(endpoint=endpoint or None)
    raise ValueError(f"unknown telemetry exporter {kind!r}: none, console or otlp")


def _one_line(span: ReadableSpan) -> str:
    return span.to_json(indent=None) + os.linesep


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def traceparent() -> str:
    """The W3C ``traceparent`` of the current span; empty outside any trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT, "")


def inject(headers: MutableMapping[str, str]) -> None:
    """Add the current trace context (``traceparent``) to outgoing headers."""
    propagate.inject(headers)


def context_from(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The trace context carried by incoming headers (a NATS message's, a
    task's); an empty context when there is none, so a new trace starts."""
    return propagate.extract(dict(headers or {}))


def context_of(traceparent_value: str) -> otel_context.Context:
    """The context named by one stored ``traceparent`` value."""
    return context_from({TRACEPARENT: traceparent_value} if traceparent_value else {})


def trace_id() -> str:
    """The current trace id as 32 hex digits, ``-`` outside any trace: for
    log lines."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return "-"
    return trace.format_trace_id(span_context.trace_id)


def serve_metrics(port: int, *, host: str = "127.0.0.1") -> None:
    """Serve the default Prometheus registry on ``http://host:port/metrics``
    from a daemon thread; ``port`` 0 serves nothing (metrics off)."""
    if port == 0:
        return
    prometheus_client.start_http_server(port, addr=host)
    log.info("metrics on http://%s:%d/metrics", host, port)
