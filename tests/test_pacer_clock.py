"""The pacer's clock: streams due in the same millisecond share one event-loop timer, and
writes already due go out before a new request's work."""

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


def test_run_due_fires_what_is_due_before_the_loop_gets_to_its_timers() -> None:
    async def run() -> tuple[list[str], list[str]]:
        loop = asyncio.get_running_loop()
        clock = Clock(loop)
        fired: list[str] = []
        now = loop.time()
        clock.call_at(now + 0.001, lambda: fired.append("due"))
        clock.call_at(now + 10, lambda: fired.append("later"))
        # Busy, as a burst of new requests keeps the loop from its timers.
        while loop.time() < now + 0.003:
            pass
        clock.run_due()
        early = list(fired)
        # The loop's own timer for the slot comes after and finds nothing left to fire.
        await asyncio.sleep(0.01)
        return early, fired

    early, fired = asyncio.run(run())
    assert early == ["due"]
    assert fired == ["due"]


def test_run_due_fires_nothing_before_it_is_due() -> None:
    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        clock = Clock(loop)
        fired: list[str] = []
        clock.call_at(loop.time() + 0.05, lambda: fired.append("due"))
        clock.run_due()
        return fired

    assert asyncio.run(run()) == []


def test_a_write_scheduled_again_for_a_slot_run_early_still_fires() -> None:
    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        clock = Clock(loop)
        fired: list[str] = []
        due = loop.time() + 0.001
        clock.call_at(due, lambda: fired.append("first"))
        while loop.time() < due + 0.002:
            pass
        clock.run_due()
        # Same millisecond as the slot already fired: a new slot, fired by its own timer.
        clock.call_at(due, lambda: fired.append("second"))
        await asyncio.sleep(0.01)
        return fired

    assert asyncio.run(run()) == ["first", "second"]


def test_a_new_request_lets_the_writes_already_due_go_first() -> None:
    from mockserver.app import create_app
    from mockserver.config import ServerConfig
    from mockserver.pacer import clock
    from mockserver.types import Message

    async def run() -> list[str]:
        app = create_app(ServerConfig(), {})
        order: list[str] = []
        loop = asyncio.get_running_loop()
        # Due already, but the loop has had no turn to run its timers.
        clock().call_at(loop.time() - 0.001, lambda: order.append("paced write"))

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            order.append(message["type"])

        scope = {"type": "http", "method": "GET", "path": "/v1/models", "headers": [], "query_string": b""}
        await app(scope, receive, send)
        return order

    assert asyncio.run(run())[:2] == ["paced write", "http.response.start"]
