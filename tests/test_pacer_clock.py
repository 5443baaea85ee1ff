"""The pacer's clock: streams due in the same millisecond share one event-loop timer."""

from __future__ import annotations

import asyncio

import pytest

from mockserver.pacer import Clock


def test_callbacks_due_in_the_same_millisecond_share_one_loop_timer() -> None:
    async def run() -> tuple[list[str], int]:
        loop = asyncio.get_running_loop()
        clock = Clock(loop)
        fired: list[str] = []
        timers = 0
        original = loop.call_at

        def counting_call_at(*args: object, **kwargs: object) -> asyncio.TimerHandle:
            nonlocal timers
            timers += 1
            return original(*args, **kwargs)  # type: ignore[arg-type]

        loop.call_at = counting_call_at  # type: ignore[method-assign]
        due = loop.time() + 0.02
        for name in ("a", "b", "c"):
            clock.call_at(due, lambda name=name: fired.append(name))  # type: ignore[misc]
        clock.call_at(due + 0.01, lambda: fired.append("later"))
        loop.call_at = original  # type: ignore[method-assign]
        await asyncio.sleep(0.05)
        return fired, timers

    fired, timers = asyncio.run(run())
    assert fired == ["a", "b", "c", "later"]
    assert timers == 2


def test_a_failing_callback_does_not_stop_the_others_due_with_it() -> None:
    async def run() -> tuple[list[str], list[object]]:
        loop = asyncio.get_running_loop()
        errors: list[object] = []
        loop.set_exception_handler(lambda _, context: errors.append(context["exception"]))
        clock = Clock(loop)
        fired: list[str] = []
        due = loop.time() + 0.01
        clock.call_at(due, lambda: 1 / 0)  # type: ignore[arg-type, return-value]
        clock.call_at(due, lambda: fired.append("after"))
        await asyncio.sleep(0.03)
        return fired, errors

    fired, errors = asyncio.run(run())
    assert fired == ["after"]
    assert [type(e) for e in errors] == [ZeroDivisionError]


@pytest.mark.parametrize("offset", [0.0004, 0.001, 0.0016])
def test_a_callback_never_fires_before_it_is_due(offset: float) -> None:
    async def run() -> float:
        loop = asyncio.get_running_loop()
        clock = Clock(loop)
        due = loop.time() + offset
        fired_at: list[float] = []
        clock.call_at(due, lambda: fired_at.append(loop.time()))
        await asyncio.sleep(0.02)
        return fired_at[0] - due

    assert asyncio.run(run()) >= -0.001
