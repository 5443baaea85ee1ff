"""A clean plan is lazy: each write is built when the transport reaches it, with the same bytes."""

from __future__ import annotations

from mockserver.compiled import TurnCache
from mockserver.dialects import DIALECTS
from mockserver.plan import CleanPlan, Write, add_keepalives, plan_clean
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
    assert add_keepalives(plan, 0.5, b": ping\n\n") is plan


def test_keepalives_fill_a_silence_longer_than_their_interval() -> None:
    plan = clean(PACED)
    filled = add_keepalives(plan, 0.04, b": ping\n\n")
    pings = [a for a in filled if isinstance(a, Write) and a.label == "keepalive"]
    assert len(pings) == 2 * (len(plan) - 1)
