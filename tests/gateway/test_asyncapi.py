"""docs/asyncapi.yaml is generated from the code and kept fresh."""

from __future__ import annotations

import subprocess
import sys

import yaml

from hubwire.common import subjects
from hubwire.common.catalog import load_catalog
from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "gen_asyncapi.py"


def test_the_committed_asyncapi_document_matches_the_code() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_public_event_type_has_a_channel_with_its_data_schema() -> None:
    doc = yaml.safe_load((REPO / "docs" / "asyncapi.yaml").read_text("utf-8"))

    for event in load_catalog():
        key = event.name.replace(".", "_")
        if event.internal:
            assert key not in doc["channels"]
            continue
        address = subjects.event_subject("acme", event.name).replace(
            ".acme.", ".{account}."
        )
        assert doc["channels"][key]["address"] == address
        payload = doc["components"]["messages"][key]["payload"]["allOf"][1]
        assert payload["properties"]["data"].get("required") == event.schema.get(
            "required"
        )
    assert doc["channels"]["deliveryOutcomes"]["address"] == (
        "hubwire.deliveries.outcomes.{account}.{outcome}"
    )
