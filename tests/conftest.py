"""Shared fixtures: a real NATS server, the whole stack as real processes.

PostgreSQL: tests marked ``postgres`` run when ``HUBWIRE_TEST_POSTGRES_URL``
names a server and are skipped, saying so, otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubwire.devstack.stack import Ports, Stack
from tests.support.natsserver import NatsServer

REPO = Path(__file__).resolve().parent.parent


def shared_cases() -> Path:
    """The project's shared test inputs: ``HUBWIRE_SHARED_CASES``, else the
    ``shared/cases`` folder beside the checkout (where CI puts it), else the
    copy kept in ``tests/data/cases`` so a lone clone still tests."""
    env = os.environ.get("HUBWIRE_SHARED_CASES")
    if env:
        return Path(env)
    beside = REPO.parent / "shared" / "cases"
    if beside.is_dir():
        return beside
    return REPO / "tests" / "data" / "cases"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("HUBWIRE_TEST_POSTGRES_URL", "")
    if not url:
        pytest.skip("PostgreSQL tests skipped: HUBWIRE_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """All four services and NATS as real processes on free ports."""
    var_dir = tmp_path_factory.mktemp("var")
    stack = Stack(
        var_dir=var_dir,
        ports=Ports.free(),
        log_dir=var_dir / "logs",
        extra_env={"HUBWIRE_RETRY_SCHEDULE": "0,0.5,1", "HUBWIRE_LOG_LEVEL": "INFO"},
    )
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()
