"""Chaos decisions: a function of the seed and the request's place in the sequence, nothing else."""

from __future__ import annotations

import pytest

from mockserver.chaos import ChaosPick, pick
from mockserver.scenario.model import Chaos, Disconnect, HttpError, InvalidJson, Reset

CHAOS = Chaos(seed=1, rate=0.2, faults=(Disconnect(), Reset(), InvalidJson(), HttpError(status=503)))


def run(chaos: Chaos, requests: int = 200, turn: int = 0) -> list[ChaosPick | None]:
    return [pick(chaos, scenario="soak", turn=turn, attempt=n) for n in range(requests)]


def test_the_same_seed_gives_the_same_faults_at_the_same_points() -> None:
    assert run(CHAOS) == run(Chaos(seed=1, rate=0.2, faults=CHAOS.faults))


def test_another_seed_gives_another_sequence() -> None:
    assert run(CHAOS) != run(Chaos(seed=2, rate=0.2, faults=CHAOS.faults))


def test_each_turn_has_its_own_sequence() -> None:
    assert run(CHAOS, turn=0) != run(CHAOS, turn=1)


def test_the_rate_is_the_share_of_requests_that_meet_a_fault() -> None:
    hits = sum(p is not None for p in run(CHAOS, requests=2000))
    assert 0.17 < hits / 2000 < 0.23


@pytest.mark.parametrize(("rate", "expected"), [(0.0, 0), (1.0, 200)])
def test_rate_zero_never_and_rate_one_always(rate: float, expected: int) -> None:
    picks = run(Chaos(seed=1, rate=rate, faults=CHAOS.faults))
    assert sum(p is not None for p in picks) == expected


def test_every_listed_fault_gets_chosen() -> None:
    chosen = {type(p.fault) for p in run(Chaos(seed=1, rate=1.0, faults=CHAOS.faults)) if p}
    assert chosen == {Disconnect, Reset, InvalidJson, HttpError}


def test_an_empty_fault_list_never_fires() -> None:
    assert run(Chaos(seed=1, rate=1.0, faults=())) == [None] * 200


@pytest.mark.parametrize("point", [0.0, 0.5, 0.999999])
def test_a_point_maps_to_a_frame_and_an_event_inside_the_stream(point: float) -> None:
    chosen = ChaosPick(Disconnect(), point)
    assert 0 <= chosen.frame(7) <= 6
    assert 1 <= chosen.event(9) <= 8


def test_points_spread_over_the_whole_stream() -> None:
    frames = {p.frame(10) for p in run(Chaos(seed=3, rate=1.0, faults=(Disconnect(),))) if p}
    assert frames == set(range(10))
