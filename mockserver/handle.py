"""A handle on one namespace of a running server: what the `mock_llm` fixture returns.

Each handle has its own base URL (`/_ns/<name>` on the shared server), so its scenario, speed,
attempt counters and journal are its own while many tests share one server and one port.
It talks to the server's state directly (same process), so using it costs no request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

from mockserver.journal import Call
from mockserver.namespaces import INLINE, Namespace, ScenarioSpec, named, resolve_scenario
from mockserver.scenario.model import Scenario

if TYPE_CHECKING:
    from mockserver.server import MockServer

SETTLE_TIMEOUT = 1.0
FILTERS = frozenset(
    {"dialect", "method", "path", "model", "scenario", "turn", "status", "stream", "completed", "client_disconnected"}
)


class Requests(Sequence[Call]):
    """The requests one namespace received, oldest first, as they stood when read; `evicted`
    counts the older ones the journal dropped to stay within its bounds."""

    def __init__(self, calls: Sequence[Call], evicted: int = 0) -> None:
        self._calls = tuple(calls)
        self.evicted = evicted

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | Sequence[Call]:
        return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self._calls)

    @property
    def last(self) -> Call:
        __tracebackhide__ = True
        if not self._calls:
            raise AssertionError("no request has reached this mock yet")
        return self._calls[-1]

    def where(self, *, fault: str | None = None, **fields: object) -> Requests:
        """The requests whose fields equal the given values, e.g. `where(dialect="openai_chat", turn=1)`;
        `fault=` keeps those in which that fault fired."""
        unknown = set(fields) - FILTERS
        if unknown:
            raise TypeError(f"unknown request field(s) {sorted(unknown)}; use any of {sorted(FILTERS)}")
        return Requests(
            [
                call
                for call in self._calls
                if all(getattr(call, key) == value for key, value in fields.items())
                and (fault is None or fault in call.faults)
            ],
            self.evicted,
        )

    def describe(self) -> str:
        plural = "s" if self.evicted != 1 else ""
        note = f"  ({self.evicted} older request{plural} dropped to keep the journal within its bounds)"
        dropped = [note] if self.evicted else []
        if not self._calls:
            return "\n".join(dropped) or "  (none)"
        listed = [f"  {index}. {call.summary()}" for index, call in enumerate(self._calls, 1)]
        return "\n".join(dropped + listed)

    def __repr__(self) -> str:
        return f"<Requests: {len(self._calls)}>\n{self.describe()}"


class SdkUrls:
    """The two base URLs the official SDKs want, derived from one `url`."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """For the anthropic SDK, whose paths already start with /v1."""
        return self.url

    @property
    def openai_base_url(self) -> str:
        """For the openai SDK, whose base URL includes /v1."""
        return f"{self.url}/v1"


class MockLLM(SdkUrls):
    """One namespace on a MockServer. Point an SDK at `openai_base_url` or `base_url`, choose a
    scenario with `use()`, then assert on `requests`."""

    __slots__ = ("name", "server")

    def __init__(self, server: MockServer, name: str) -> None:
        self.server = server
        self.name = name

    @property
    def _ns(self) -> Namespace:
        return self.server.state.namespaces.hold(self.name)

    @property
    def url(self) -> str:
        return f"{self.server.url}/_ns/{self.name}" if self.name else self.server.url

    def use(self, scenario: ScenarioSpec, *, name: str = INLINE) -> Scenario:
        """Answer every request here with this scenario: a name from the scenario folder, YAML text,
        a mapping, or a Scenario. `name` is what the journal calls an inline one. Attempt counts
        (for fail_first and chaos) start again from zero."""
        namespace = self._ns
        chosen = resolve_scenario(scenario, namespace.visible(self.server.scenarios), name=name)
        namespace.pin(chosen)
        return chosen

    def add(self, name: str, scenario: ScenarioSpec) -> Scenario:
        """Make one more scenario available here under `name`, chosen like a folder one: by model
        name, the x-mock-scenario header, or its `match`. Leaves a pinned scenario in charge.
        `scenario` takes the same forms as in `use()`; a folder name gives it a second name."""
        namespace = self._ns
        added = named(resolve_scenario(scenario, namespace.visible(self.server.scenarios), name=name), name)
        namespace.add(added)
        return added

    @property
    def scenario(self) -> Scenario | None:
        """The scenario `use()` pinned, if any."""
        return self._ns.pinned

    @property
    def speed(self) -> float:
        return self._ns.speed or self.server.config.speed

    @speed.setter
    def speed(self, value: float | None) -> None:
        """2 runs scripted time twice as fast; None goes back to the server's speed."""
        if value is not None and not value > 0:
            raise ValueError(f"speed must be greater than 0, got {value}")
        self._ns.speed = value

    def calls(self, *, wait: float = SETTLE_TIMEOUT) -> Requests:
        """The journal, after waiting up to `wait` seconds for requests in flight to finish."""
        if wait > 0:
            self.server.journal.settle(self.name, wait)
        journal = self.server.journal
        return Requests(journal.calls(self.name), journal.evicted(self.name))

    @property
    def requests(self) -> Requests:
        """Every request this namespace received, each with its dialect, path, headers, body, the
        scenario and turn chosen, faults fired, status, and whether the client disconnected."""
        return self.calls()

    @property
    def last(self) -> Call:
        return self.calls().last

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> bool:
        """Wait until no request here is in flight; False if some still are after `timeout`."""
        return self.server.journal.settle(self.name, timeout)

    def assert_called(self, count: int | None = None, *, fault: str | None = None, **fields: object) -> Requests:
        """Assert that requests matching the fields arrived (exactly `count` of them, if given).
        The failure message lists every request this namespace received."""
        __tracebackhide__ = True
        received = self.calls()
        matching = received.where(fault=fault, **fields)
        if (count is None and matching) or len(matching) == count:
            return matching
        wanted = ", ".join(f"{key}={value!r}" for key, value in {**fields, "fault": fault}.items() if value is not None)
        expected = "at least one request" if count is None else f"{count} request{'s' if count != 1 else ''}"
        raise AssertionError(
            f"expected {expected}{' with ' + wanted if wanted else ''}, found {len(matching)}; "
            f"received {len(received)}:\n{received.describe()}"
        )

    def assert_not_called(self, *, fault: str | None = None, **fields: object) -> None:
        __tracebackhide__ = True
        self.assert_called(0, fault=fault, **fields)

    def clear(self) -> None:
        """Forget the requests received and restart attempt counters; the scenario and speed stay."""
        self.server.journal.clear(self.name)
        self._ns.reset_attempts()

    def reset(self) -> None:
        """Back to a fresh namespace: no requests, no pinned or added scenarios, the server's speed,
        and no stored responses."""
        self.server.state.reset(self._ns)

    def check(self) -> None:
        """Re-raise here what went wrong inside the server while it served this namespace."""
        self.server.check(self.name)

    def delete(self) -> None:
        """Forget this namespace and everything the server kept for it: its scenarios, speed,
        counters, journal and stored responses. Using the handle again starts a fresh one."""
        self.server.state.delete(self.name)

    def close(self) -> None:
        """The same as `delete()`; the fixture calls it after each test."""
        self.delete()

    def __repr__(self) -> str:
        return f"<MockLLM {self.url}>"
