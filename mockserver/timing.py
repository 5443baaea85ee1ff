"""When each event of a script is due, as offsets from the start of the response.

Offsets are absolute (not gaps to sleep in turn), so the transport can hold a stream to its
script under load: a late wake-up shortens the next wait instead of pushing every later frame.
"""

from __future__ import annotations

import random

from mockserver.events import (
    Event,
    FaultPoint,
    MessageStart,
    ReasoningDelta,
    ReasoningStart,
    TextDelta,
    TextStart,
    ToolArgsDelta,
    ToolCallStart,
    Wait,
)
from mockserver.scenario.model import Stall, Timing


def plan_due(events: tuple[Event, ...], timing: Timing, rng: random.Random) -> tuple[float, ...]:
    """Token events are paced by ttft then 1/tokens_per_second (spread by jitter). A block start
    travels with the token after it; block ends, finish and errors go out right after the
    token before them, as the real APIs send them."""
    due: list[float | None] = []
    clock = 0.0
    seen_token = False
    gap = timing.gap
    for event in events:
        match event:
            case TextDelta() | ReasoningDelta() | ToolArgsDelta():
                if not seen_token:
                    clock += timing.ttft
                    seen_token = True
                elif gap:
                    clock += gap * (1.0 + timing.jitter * rng.uniform(-1.0, 1.0)) if timing.jitter else gap
                due.append(clock)
            case Wait(seconds=seconds):
                clock += seconds
                due.append(clock)
            case FaultPoint(fault=Stall(seconds=seconds)):
                due.append(clock)
                clock += seconds
            case MessageStart() | FaultPoint():
                due.append(clock)
            case _:
                due.append(None)
    following: float | None = None
    for i in range(len(due) - 1, -1, -1):
        if due[i] is None:
            if isinstance(events[i], TextStart | ReasoningStart | ToolCallStart):
                due[i] = following
        elif isinstance(events[i], TextDelta | ReasoningDelta | ToolArgsDelta):
            following = due[i]
        else:
            following = None
    last = 0.0
    result: list[float] = []
    for value in due:
        last = last if value is None else max(last, value)
        result.append(last)
    return tuple(result)
