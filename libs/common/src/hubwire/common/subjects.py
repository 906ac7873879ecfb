"""NATS subjects, streams and buckets: the public bus contract.

Internal teams may publish catalogued events to ``hubwire.events.…`` and read
delivery outcomes from ``hubwire.deliveries.outcomes.…``; see docs/asyncapi.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EVENTS_STREAM = "HUBWIRE_EVENTS"
EVENTS_SUBJECTS = "hubwire.events.>"
DELIVERIES_STREAM = "HUBWIRE_DELIVERIES"
DELIVERIES_SUBJECTS = "hubwire.deliveries.>"
WRITEBACK_STREAM = "HUBWIRE_WRITEBACK"
WRITEBACK_SUBJECTS = "hubwire.writeback.>"
CONFIG_BUCKET = "hubwire_config"

# Durable consumer names: every replica of a service binds the same one, so
# replicas share the work instead of each receiving everything.
ROUTER_EVENTS_CONSUMER = "events-router"
ROUTER_TASKS_CONSUMER = "events-router-tasks"
MAPPING_WRITEBACK_CONSUMER = "mapping-writeback"
MAPPING_WRITEBACK_TASKS_CONSUMER = "mapping-writeback-tasks"

TARGET_HUB_EXTENSION = "hubwiretargethub"

_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def _token(value: str, what: str) -> str:
    if not _TOKEN.match(value):
        raise ValueError(f"{what} {value!r} cannot be a subject token")
    return value


def event_subject(account_id: str, event_type: str) -> str:
    """``hubwire.events.<account>.<type>``; a type's dot becomes a subject
    level, so ``session.created`` is ``…<account>.session.created``."""
    parts = [_token(p, "event type part") for p in event_type.split(".")]
    return ".".join(["hubwire.events", _token(account_id, "account id"), *parts])


def parse_event_subject(subject: str) -> tuple[str, str]:
    parts = subject.split(".")
    if len(parts) < 4 or parts[:2] != ["hubwire", "events"]:
        raise ValueError(f"not an event subject: {subject!r}")
    return parts[2], ".".join(parts[3:])


def task_subject(account_id: str) -> str:
    return f"hubwire.deliveries.tasks.{_token(account_id, 'account id')}"


def outcome_subject(account_id: str, outcome: str) -> str:
    return f"hubwire.deliveries.outcomes.{_token(account_id, 'account id')}.{outcome}"


def writeback_task_subject(account_id: str) -> str:
    return f"hubwire.writeback.tasks.{_token(account_id, 'account id')}"


def writeback_outcome_subject(account_id: str, outcome: str) -> str:
    return f"hubwire.writeback.outcomes.{_token(account_id, 'account id')}.{outcome}"


def config_key(account_id: str, hub_name: str) -> str:
    return f"{_token(account_id, 'account id')}.{_token(hub_name, 'hub name')}"


def addressed_to(subject: str, build: Callable[[str], str], account_id: str) -> bool:
    """Whether ``subject`` is ``build(account_id)``. Task consumers refuse a
    message whose body names another account than its subject: NATS
    permissions restrict subjects, not bodies. An account id that cannot be a
    subject token matches nothing."""
    try:
        return subject == build(account_id)
    except ValueError:
        return False
