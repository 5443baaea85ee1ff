"""What the running server knows: scenarios, journal, compiled turns, namespaces, stored responses.

One object, shared by the request pipeline, the control API and the in-process server handle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mockserver.compiled import TurnCache
from mockserver.config import ServerConfig
from mockserver.journal import Journal
from mockserver.namespaces import Namespace, Namespaces
from mockserver.response_store import ResponseStore
from mockserver.scenario.model import Chaos, Scenario

logger = logging.getLogger("mockserver")


@dataclass(slots=True)
class ServerState:
    """What the running server knows; `scenarios` is swapped whole on reload, never mutated."""

    config: ServerConfig
    scenarios: Mapping[str, Scenario]
    journal: Journal = field(default_factory=Journal)
    cache: TurnCache = field(default_factory=TurnCache)
    namespaces: Namespaces = field(default_factory=Namespaces)
    responses: ResponseStore = field(default_factory=ResponseStore)
    chaos: Chaos | None = None

    def __post_init__(self) -> None:
        self.namespaces.reclaim = self._reclaim

    def fail(self, namespace: str, exc: Exception, where: str) -> None:
        """Keep a server-side failure for `check()` in the test that caused it, and log it for `serve`."""
        exc.add_note(
            f"mockserver raised this while serving {where}" + (f" in namespace {namespace!r}" if namespace else "")
        )
        self.namespaces.get(namespace).errors.append(exc)
        logger.error("mockserver failed while serving %s", where, exc_info=exc)

    def reset(self, namespace: Namespace) -> None:
        """Back to a fresh namespace, freeing what it alone kept: its journal, the responses it was
        answered, and the renders of scenarios no one else uses."""
        owned = namespace.own_scenarios()
        namespace.reset()
        self._free(namespace.name, owned)

    def delete(self, name: str) -> int:
        """Forget a namespace and all it kept; a request to it later starts a fresh one. Returns
        how many journaled requests went with it."""
        namespace = self.namespaces.find(name)
        self.namespaces.drop(name)
        count = len(self.journal.calls(name))
        self._free(name, namespace.own_scenarios() if namespace is not None else ())
        return count

    def _reclaim(self, namespace: Namespace) -> bool:
        """An idle namespace goes, unless a request of it is still in flight (a long stream)."""
        if not self.journal.idle(namespace.name):
            return False
        logger.info("mockserver forgets namespace %r, unused for %g s", namespace.name, self.namespaces.idle_timeout)
        self.delete(namespace.name)
        return True

    def _free(self, name: str, owned: Iterable[Scenario]) -> None:
        self.journal.clear(name)
        self.responses.clear(name)
        for scenario in owned:
            if self.scenarios.get(scenario.name) is not scenario and not self.namespaces.uses(scenario):
                self.cache.forget(scenario)
