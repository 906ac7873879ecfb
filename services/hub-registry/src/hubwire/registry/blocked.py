"""The operator's list of blocked webhook-inspection services.

The list is a text file, one domain per line (setting
``HUBWIRE_BLOCKED_SERVICES_FILE``; by default ``var/blocked_services.txt``,
seeded from the list shipped with Hubwire). The operator changes it in any of
three ways: the admin API (``POST /admin/v1/blocked-services``, operator
accounts only), the CLI (``python -m hubwire.registry block-service DOMAIN``)
or by editing the file. The registry re-reads the file when it changes, so a
hand edit takes effect without a restart; destinations on a newly listed
domain are then removed either way.
"""

from __future__ import annotations

import logging
from pathlib import Path

from hubwire.common.errors import HubwireError
from hubwire.common.outbound import load_blocked_domains

log = logging.getLogger(__name__)


class BlockedList:
    """The file and the domains last read from it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.domains: frozenset[str] = load_blocked_domains(path)
        self._stamp = self._file_stamp()

    def reload(self) -> frozenset[str]:
        """Re-read the file if it changed; return the domains added since the
        last read. A file that no longer parses keeps the previous list (a
        typo must not unblock every service) and is reported in the log."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return frozenset()

        try:
            domains = load_blocked_domains(self.path)
        except (OSError, HubwireError) as exc:
            log.error("blocked-services file %s not applied: %s", self.path, exc)
            return frozenset()
        added = domains - self.domains
        self.domains, self._stamp = domains, stamp
        log.info(
            "blocked-services file reloaded domains=%d added=%d",
            len(domains),
            len(added),
        )
        return added

    def add(self, domain: str) -> None:
        """Append ``domain`` (already validated) and take the file as read."""
        if domain in self.domains:
            return
        text = self.path.read_text(encoding="utf-8")
        # A last line without its newline would otherwise merge with ours.
        prefix = "" if not text or text.endswith("\n") else "\n"
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(f"{prefix}{domain}\n")
        self.reload()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size
