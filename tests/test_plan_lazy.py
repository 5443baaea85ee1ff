"""A clean plan is lazy: each write is built when the transport reaches it, with the same bytes."""

from __future__ import annotations

from mockserver.compiled import TurnCache
from mockserver.dialects import DIALECTS
from mockserver.plan import CleanPlan, Mark, Write, due_offsets, keep_alive, plan_clean
from tests.conftest import scenario

PACED = """
timing: {tokens_per_second: 10}
turns: ["one two three"]
"""


def clean(yaml_text: str) -> CleanPlan:
    plan = plan_clean(TurnCache().stream(scenario(yaml_text), 0, DIALECTS[0], None), bytes.upper)
    assert isinstance(plan, CleanPlan)
    return plan


def test_a_clean_plan_builds_the_same_writes_as_a_list_would() -> None:
    stream = TurnCache().stream(scenario(PACED), 0, DIALECTS[0], None)
    plan = plan_clean(stream, bytes.upper)
    assert list(plan) == [Write(at, data.upper(), count) for at, data, count in stream.groups]
    assert plan[1:] == list(plan)[1:]


def test_keepalives_leave_a_plan_without_long_silences_lazy() -> None:
    plan = clean(PACED)
    assert plan.longest_silence() == 0.1
    assert keep_alive(plan, b": ping\n\n", every=0.5) is plan


def test_keepalives_fill_a_silence_longer_than_their_interval() -> None:
    plan = clean(PACED)
    filled = keep_alive(plan, b": ping\n\n", every=0.04)
    pings = [a for a in filled if isinstance(a, Write) and a.label == "keepalive"]
    assert len(pings) == 2 * (len(plan) - 1)


def test_keepalives_are_the_same_writes_a_loop_would_make() -> None:
    plan = [Write(0.0, b"a"), Write(1.0, b"b"), Write(1.0, b"c"), Write(3.5, b"d")]
    filled = keep_alive(plan, b"p", every=0.75)
    expected = [(0.0, b"a"), (0.75, b"p"), (1.0, b"b"), (1.0, b"c"), (1.75, b"p"), (2.5, b"p"), (3.25, b"p")]
    expected.append((3.5, b"d"))
    assert [(a.at, a.data) for a in filled if isinstance(a, Write)] == expected
    assert list(due_offsets(filled)) == [at for at, _ in expected]


def test_a_day_of_silence_pinged_every_millisecond_is_not_built_ahead() -> None:
    filled = keep_alive([Write(0.0, b"a"), Write(86_400.0, b"b")], b"p", every=0.001)
    # Eagerly built, these 86 million writes would take gigabytes before the first left.
    assert len(filled) > 86_000_000
    middle = filled[43_200_000]
    assert isinstance(middle, Write)
    assert (middle.data, middle.label, middle.frames) == (b"p", "keepalive", 0)
    assert abs(middle.at - 43_200.0) < 0.01
    assert filled[-1] == Write(86_400.0, b"b")


def test_a_stall_keeps_only_its_own_silence_alive() -> None:
    plan = [Write(0.0, b"a"), Write(2.0, b"b"), Mark(2.0, "stall", 1.0), Write(5.0, b"c")]
    filled = keep_alive(plan, b"p")
    assert [a.at for a in filled if isinstance(a, Write) and a.label == "keepalive"] == [3.0, 4.0]


def test_keepalive_frames_are_cut_like_the_writes_around_them() -> None:
    filled = keep_alive([Write(0.0, b"a"), Write(1.5, b"b")], b"ping", every=1.0, piece=3)
    assert [(a.data, a.label) for a in filled if isinstance(a, Write)][1:3] == [(b"pin", "keepalive"), (b"g", None)]
