"""Per-namespace state: what one test (or one client) sees, isolated from the others.

Requests under `/_ns/<name>/...` belong to namespace `<name>`; bare paths to the default
namespace "". Each namespace can override the scenarios, and counts its own attempts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockserver.scenario.model import Scenario


@dataclass(slots=True)
class Namespace:
    name: str
    scenarios: Mapping[str, Scenario] | None = None
    attempts: dict[tuple[str, int], int] = field(default_factory=dict)

    def next_attempt(self, scenario: str, turn: int) -> int:
        """0 for the first request at this scenario turn, 1 for the next, and so on."""
        key = (scenario, turn)
        attempt = self.attempts.get(key, 0)
        self.attempts[key] = attempt + 1
        return attempt

    def reset(self) -> None:
        self.scenarios = None
        self.attempts.clear()


class Namespaces:
    """Created on first use; thread-safe because the pytest plugin reads them from the test thread."""

    def __init__(self) -> None:
        self._items: dict[str, Namespace] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Namespace:
        found = self._items.get(name)
        if found is not None:
            return found
        with self._lock:
            return self._items.setdefault(name, Namespace(name))

    def drop(self, name: str) -> None:
        with self._lock:
            self._items.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._items)

    def restart_counts(self) -> None:
        """New scenarios start their attempt counts (fail_first, chaos) from zero everywhere."""
        with self._lock:
            for namespace in self._items.values():
                namespace.attempts.clear()
