"""Seeded chaos: whether a request meets a fault, which one, and where in its stream.

Every decision comes from a generator seeded with the chaos seed and the request's place in
the sequence (scenario, turn, and how many requests that turn has already answered in the
namespace), never from shared random state. So a run replays exactly, concurrent tests in
different namespaces see the same sequence, and two server processes with the same seed agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mockserver.scenario.model import Chaos, Fault, HttpError


@dataclass(frozen=True, slots=True)
class ChaosPick:
    """The fault chaos chose for one request; `point` in [0, 1) places it within the stream."""

    fault: Fault | HttpError
    point: float

    def frame(self, frames: int) -> int:
        """The frame the fault fires before: 0 (right after the headers) up to the last frame."""
        return min(int(self.point * frames), max(frames - 1, 0))

    def event(self, events: int) -> int:
        """Where a mid-stream error replaces the rest of the script: after the opening event at the
        earliest, in place of the finish at the latest."""
        return 1 + min(int(self.point * (events - 1)), events - 2)


def pick(chaos: Chaos, *, scenario: str, turn: int, attempt: int) -> ChaosPick | None:
    """None for most requests; for a `rate` share of them, one of the chaos faults."""
    rng = random.Random(f"mockserver-chaos:{chaos.seed}:{scenario}:{turn}:{attempt}")
    if not chaos.faults or rng.random() >= chaos.rate:
        return None
    return ChaosPick(rng.choice(chaos.faults), rng.random())
