"""The gateway's Prometheus metrics, served at ``/metrics``.

* ``hubwire_http_request_duration_seconds{method,route,status}``: latency by
  route template (never the raw path, so the label set stays small);
* ``hubwire_events_published_total{event_type}``: events the outbox relay
  handed to JetStream;
* ``hubwire_outbox_pending_events`` and
  ``hubwire_outbox_oldest_pending_seconds``: the queue depth and age, counted
  when scraped (a growing age means the relay cannot reach NATS).

Each app has a registry of its own, so building two apps in one process (in
tests) registers nothing twice.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    platform_collector,
    process_collector,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        self.request_seconds = Histogram(
            "hubwire_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events_published = Counter(
            "hubwire_events_published",
            "Events the outbox relay published to JetStream",
            ["event_type"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "hubwire_outbox_pending_events",
            "Outbox events committed but not yet published",
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "hubwire_outbox_oldest_pending_seconds",
            "Age of the oldest unpublished outbox event (0 when none)",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
