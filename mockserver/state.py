"""What the running server knows: scenarios, journal, compiled turns, namespaces, stored responses.

One object, shared by the request pipeline, the control API and the in-process server handle.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockserver.compiled import TurnCache
from mockserver.config import ServerConfig
from mockserver.journal import Journal
from mockserver.namespaces import Namespaces
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

    def fail(self, namespace: str, exc: Exception, where: str) -> None:
        """Keep a server-side failure for `check()` in the test that caused it, and log it for `serve`."""
        exc.add_note(
            f"mockserver raised this while serving {where}" + (f" in namespace {namespace!r}" if namespace else "")
        )
        self.namespaces.get(namespace).errors.append(exc)
        logger.error("mockserver failed while serving %s", where, exc_info=exc)
