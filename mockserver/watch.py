"""`serve --watch`: reload a changed scenario file without dropping the streams in flight.

It polls file signatures (inode, mtime, size) on a timer: a folder of a few YAML files costs
microseconds to stat, and polling needs no dependency and behaves the same on every platform
and filesystem (including bind mounts, where inotify events do not arrive). A reload builds a
new scenarios mapping and swaps it in with one assignment; a request in flight holds the
scenario and compiled turn it started with, so it finishes unchanged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from mockserver.errors import ScenarioError
from mockserver.scenario.loader import SCENARIO_NAME, load_scenario_file, scenario_files
from mockserver.scenario.model import Scenario

logger = logging.getLogger("mockserver.watch")

Signature = tuple[int, int, int]


class HasScenarios(Protocol):
    scenarios: Mapping[str, Scenario]


def _signatures(directory: Path) -> dict[Path, Signature]:
    found: dict[Path, Signature] = {}
    for path in scenario_files(directory):
        try:
            stat = path.stat()
        except OSError:
            continue
        found[path] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


class ScenarioWatcher:
    """Polls a scenario folder and swaps changed scenarios into `state.scenarios`."""

    def __init__(self, directory: Path, state: HasScenarios, *, interval: float = 0.5) -> None:
        self.directory = directory
        self.state = state
        self.interval = interval
        self._seen = _signatures(directory) if directory.is_dir() else {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> list[str]:
        """Reload what changed since the last poll; the names of the scenarios now replaced or removed.

        An invalid file is logged with its file:line problems and its last good version stays."""
        try:
            current = _signatures(self.directory)
        except OSError as exc:
            logger.error("cannot read scenario folder %s: %s", self.directory, exc)
            return []
        changed = [path for path, signature in current.items() if self._seen.get(path) != signature]
        removed = [path for path in self._seen if path not in current]
        # Remember failed files too, so a bad edit is reported once, not on every poll.
        self._seen = current
        if not changed and not removed:
            return []
        scenarios = dict(self.state.scenarios)
        updated: list[str] = []
        for path in removed:
            if scenarios.pop(path.stem, None) is not None:
                logger.info("scenario %r removed (%s deleted)", path.stem, path)
                updated.append(path.stem)
        for path in changed:
            if not SCENARIO_NAME.match(path.stem):
                logger.error("%s: a scenario file name may use letters, digits, '.', '_', '-'", path)
                continue
            try:
                scenarios[path.stem] = load_scenario_file(path)
            except ScenarioError as exc:
                for problem in exc.problems:
                    logger.error("%s (keeping the last good version of scenario %r)", problem, path.stem)
                continue
            logger.info("scenario %r reloaded from %s", path.stem, path)
            updated.append(path.stem)
        if updated:
            self.state.scenarios = scenarios
        return updated

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="mockserver-watch")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:
                # A watcher that dies silently would leave the server serving stale scenarios.
                logger.exception("reloading scenarios from %s failed", self.directory)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 1)
            self._thread = None
