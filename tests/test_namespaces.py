"""Namespaces go when unused for a while, except the default one and those a handle holds."""

from __future__ import annotations

from mockserver.config import ServerConfig
from mockserver.journal import Call
from mockserver.namespaces import Namespace, Namespaces
from mockserver.state import ServerState


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def namespaces(clock: FakeClock, timeout: float = 60) -> tuple[Namespaces, list[str]]:
    made = Namespaces(idle_timeout=timeout, clock=clock)
    offered: list[str] = []

    def reclaim(namespace: Namespace) -> bool:
        offered.append(namespace.name)
        made.drop(namespace.name)
        return True

    made.reclaim = reclaim
    return made, offered


def test_a_namespace_unused_past_the_timeout_is_reclaimed_on_a_later_use_of_another() -> None:
    clock = FakeClock()
    made, offered = namespaces(clock)
    made.get("old")
    clock.now += 61
    made.get("new")
    assert (offered, made.names()) == (["old"], ["new"])


def test_a_namespace_used_within_the_timeout_stays() -> None:
    clock = FakeClock()
    made, offered = namespaces(clock)
    made.get("busy")
    clock.now += 50
    made.get("busy")
    clock.now += 50
    made.get("other")
    assert offered == []


def test_the_default_namespace_and_held_ones_are_never_reclaimed() -> None:
    clock = FakeClock()
    made, offered = namespaces(clock)
    made.get("")
    made.hold("handle")
    clock.now += 10_000
    made.get("new")
    assert (offered, made.names()) == ([], ["", "handle", "new"])


def test_without_a_timeout_nothing_is_reclaimed() -> None:
    clock = FakeClock()
    made, offered = namespaces(clock, timeout=None)  # type: ignore[arg-type]
    made.get("old")
    clock.now += 10**9
    made.get("new")
    assert offered == []


def test_the_idle_check_runs_at_most_every_quarter_of_the_timeout() -> None:
    clock = FakeClock()
    made, offered = namespaces(clock, timeout=100)
    made.get("a")
    clock.now += 99
    made.get("b")  # a check runs here: "a" is not idle yet
    clock.now += 11
    made.get("b")  # "a" is idle now, but the next check is due 25 s after the last
    assert offered == []
    clock.now += 14
    made.get("b")
    assert offered == ["a"]


def test_a_namespace_with_a_request_in_flight_is_kept() -> None:
    state = ServerState(config=ServerConfig(), scenarios={})
    namespace = state.namespaces.get("streaming")
    state.journal.record(
        Call(dialect="d", method="POST", path="/", headers={}, body=None, time=0.0, namespace="streaming")
    )
    assert state.namespaces.reclaim(namespace) is False
    assert state.namespaces.find("streaming") is namespace
