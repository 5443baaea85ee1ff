"""Per-namespace state: what one test (or one client) sees, isolated from the others.

Requests under `/_ns/<name>/...` belong to namespace `<name>`; bare paths to the default
namespace "". Each namespace can pin a scenario, add scenarios of its own, run at its own
speed, and counts its own attempts. A namespace no one has used for a while (a CI server
making one per test) is reclaimed, except the default one and those an in-process handle holds.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from mockserver.config import NAMESPACE_IDLE_TIMEOUT
from mockserver.errors import UnknownScenarioError
from mockserver.scenario.loader import SCENARIO_NAME, scenario_from_data, scenario_from_text
from mockserver.scenario.matching import select_scenario
from mockserver.scenario.model import Scenario
from mockserver.types import Scope

INLINE = "inline"
NAMESPACE_PREFIX = "/_ns/"

ScenarioSpec = str | Mapping[str, object] | Scenario


def resolve_scenario(spec: ScenarioSpec, shared: Mapping[str, Scenario], *, name: str = INLINE) -> Scenario:
    """A scenario object, a name from `shared`, YAML text, or a parsed mapping, as a Scenario.

    A string that is a valid scenario name is a name; anything else (it has a colon or a
    newline, as every scenario document does) is YAML."""
    if isinstance(spec, Scenario):
        return spec
    if isinstance(spec, str):
        if SCENARIO_NAME.match(spec.strip()):
            found = shared.get(spec.strip())
            if found is None:
                raise UnknownScenarioError(spec.strip(), sorted(shared))
            return found
        return scenario_from_text(spec, name)
    return scenario_from_data(spec, name)


def named(scenario: Scenario, name: str) -> Scenario:
    """The scenario under another name (a new object, so compiled-turn caches stay sound)."""
    return scenario if scenario.name == name else dataclasses.replace(scenario, name=name)


@dataclass(slots=True)
class Namespace:
    """Settings are replaced whole, never mutated in place, so the server thread reads them without a lock."""

    name: str
    scenarios: Mapping[str, Scenario] | None = None
    pinned: Scenario | None = None
    speed: float | None = None
    attempts: dict[tuple[str, int], int] = field(default_factory=dict)
    errors: list[Exception] = field(default_factory=list)
    # When it was last used, by the clock of its Namespaces; a held one is never reclaimed.
    last_used: float = 0.0
    held: bool = False

    def next_attempt(self, scenario: str, turn: int) -> int:
        """0 for the first request at this scenario turn, 1 for the next, and so on."""
        key = (scenario, turn)
        attempt = self.attempts.get(key, 0)
        self.attempts[key] = attempt + 1
        return attempt

    def pin(self, scenario: Scenario | None) -> None:
        """Answer every request here with this scenario; its attempts (fail_first, chaos) count from zero."""
        self.pinned = scenario
        self.attempts = {}

    def add(self, scenario: Scenario) -> None:
        """One more scenario of this namespace's own, chosen like a shared one; counts from zero too."""
        self.scenarios = {**(self.scenarios or {}), scenario.name: scenario}
        self.attempts = {}

    def visible(self, shared: Mapping[str, Scenario]) -> Mapping[str, Scenario]:
        """The scenarios a request here can name: the shared folder plus this namespace's own."""
        if self.scenarios is None and self.pinned is None:
            return shared
        merged = dict(shared)
        if self.scenarios is not None:
            merged.update(self.scenarios)
        if self.pinned is not None:
            merged[self.pinned.name] = self.pinned
        return merged

    def choose(self, shared: Mapping[str, Scenario], *, header: str | None, model: str, prompt: str) -> Scenario:
        """A pinned scenario answers everything except a request that names another in its header."""
        if self.pinned is not None and not header:
            return self.pinned
        return select_scenario(self.visible(shared), header=header, model=model, prompt=prompt)

    def own_scenarios(self) -> list[Scenario]:
        """The scenarios this namespace pinned or added."""
        own = list((self.scenarios or {}).values())
        return own if self.pinned is None else [self.pinned, *own]

    def take_errors(self) -> list[Exception]:
        """What went wrong inside the server while serving this namespace, once."""
        taken, self.errors = self.errors, []
        return taken

    def reset_attempts(self) -> None:
        self.attempts = {}

    def reset(self) -> None:
        self.scenarios = None
        self.pinned = None
        self.speed = None
        self.attempts = {}


def namespace_of(scope: Scope) -> str:
    """The namespace a request belongs to: from the route, or from the path when routing failed."""
    found = scope.get("path_params", {}).get("namespace")
    if isinstance(found, str):
        return found
    path: str = scope.get("path", "")
    return path.split("/", 3)[2] if path.startswith(NAMESPACE_PREFIX) else ""


class Namespaces:
    """Created on first use; thread-safe because the pytest plugin reads them from the test thread.

    Every `get` marks its namespace used. Past `idle_timeout` seconds unused, a namespace is
    offered to `reclaim` (which frees what it kept and says whether it could); the check runs at
    most every `SWEEP_FRACTION` of the timeout, on a `get`, so it costs a request one comparison."""

    SWEEP_FRACTION = 0.25

    def __init__(
        self, idle_timeout: float | None = NAMESPACE_IDLE_TIMEOUT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: dict[str, Namespace] = {}
        self._lock = threading.Lock()
        self.idle_timeout = idle_timeout
        self.clock = clock
        self.reclaim: Callable[[Namespace], bool] = lambda namespace: False
        self._next_sweep = float("inf") if idle_timeout is None else clock() + idle_timeout * self.SWEEP_FRACTION

    def get(self, name: str) -> Namespace:
        now = self.clock()
        found = self._items.get(name)
        if found is None:
            with self._lock:
                found = self._items.setdefault(name, Namespace(name))
        found.last_used = now
        if now >= self._next_sweep:
            self._sweep(now)
        return found

    def hold(self, name: str) -> Namespace:
        """The namespace, kept however long it goes unused (until deleted): an in-process handle's."""
        namespace = self.get(name)
        namespace.held = True
        return namespace

    def _sweep(self, now: float) -> None:
        timeout = self.idle_timeout
        assert timeout is not None
        with self._lock:
            if now < self._next_sweep:
                return
            self._next_sweep = now + timeout * self.SWEEP_FRACTION
            idle = [ns for ns in self._items.values() if ns.name and not ns.held and now - ns.last_used >= timeout]
        for namespace in idle:
            # Used again since the list was made: kept.
            if self.clock() - namespace.last_used >= timeout:
                self.reclaim(namespace)

    def find(self, name: str) -> Namespace | None:
        return self._items.get(name)

    def drop(self, name: str) -> None:
        with self._lock:
            self._items.pop(name, None)

    def uses(self, scenario: Scenario) -> bool:
        """Whether any namespace has this very scenario pinned or added."""
        with self._lock:
            held = list(self._items.values())
        return any(scenario is own for namespace in held for own in namespace.own_scenarios())

    def names(self) -> list[str]:
        return sorted(self._items)

    def restart_counts(self) -> None:
        """New scenarios start their attempt counts (fail_first, chaos) from zero everywhere."""
        with self._lock:
            for namespace in self._items.values():
                namespace.attempts.clear()
