"""The generated gRPC stubs are fresh: regenerating them changes nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_generated_stubs_match_the_proto_files() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_protos.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
