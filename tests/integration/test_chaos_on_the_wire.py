"""Seeded chaos over real sockets: a run replays exactly, and a thousand broken streams leave the
server as they found it."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator

import httpx2
import pytest

from mockserver import Call, MockServer
from tests.conftest import Clients, ServeFn, scenario
from tests.integration.faultkit import USER, wait_for_calls

SOAK = """
chaos:
  seed: 1
  rate: 0.3
  faults: [disconnect, reset, {truncate: 9}, invalid_json, duplicate, reorder, {error: overloaded}, {http_error: 503}]
turns: ["The quick brown fox jumps over the lazy dog."]
"""
REQUEST = json.dumps({"model": "gpt-4o", "messages": USER, "stream": True}).encode()


def outcome(call: Call) -> tuple[int | None, list[str], int]:
    return call.status, call.faults, call.frames_sent


def soak(server: MockServer, namespace: str, requests: int) -> list[tuple[int | None, list[str], int]]:
    """Requests one after another, so the n-th request of the run is the n-th attempt at the turn."""

    async def run() -> None:
        for _ in range(requests):
            path = f"/_ns/{namespace}/v1/chat/completions" if namespace else "/v1/chat/completions"
            await one_request(server.port, path=path)

    asyncio.run(run())
    return [outcome(c) for c in server.journal.calls(namespace)]


def test_a_seeded_chaos_run_of_200_requests_gives_the_same_faults_twice(serve: ServeFn) -> None:
    server = serve(SOAK)
    first = soak(server, "run-1", 200)
    second = soak(server, "run-2", 200)
    assert first == second
    faulted = [faults for _, faults, _ in first if faults]
    assert 40 < len(faulted) < 80
    assert {f for faults in faulted for f in faults} == {
        "disconnect",
        "reset",
        "truncate",
        "invalid_json",
        "duplicate",
        "reorder",
        "error",
        "http_error",
    }


def test_another_seed_gives_another_run(serve: ServeFn) -> None:
    server = serve(SOAK, other=SOAK.replace("seed: 1", "seed: 2"))
    first = soak(server, "seed-1", 50)
    server.set_scenarios({"default": scenario(SOAK.replace("seed: 1", "seed: 2"))})
    assert soak(server, "seed-2", 50) != first


def test_server_wide_chaos_applies_to_scenarios_without_their_own() -> None:
    scenarios = {"default": scenario('turns: ["hi"]')}
    with MockServer(scenarios, chaos="rate=1,seed=4,faults=503") as server:
        response = httpx2.post(f"{server.openai_base_url}/chat/completions", json={"model": "m", "messages": USER})
        assert response.status_code == 503
        assert response.json()["error"]["type"] == "server_error"
        assert server.journal.calls()[0].faults == ["http_error"]


def test_two_servers_with_the_same_chaos_seed_fail_the_same_requests() -> None:
    runs = []
    for _ in range(2):
        scenarios = {"default": scenario('turns: ["hi"]')}
        with MockServer(scenarios, chaos="rate=0.5,seed=11,faults=503+429+disconnect") as server:
            runs.append(soak(server, "", 30))
    assert runs[0] == runs[1]
    assert {status for status, _, _ in runs[0]} == {200, 429, 503}
    assert ["disconnect"] in [faults for _, faults, _ in runs[0]]


def test_a_chaos_error_mid_stream_is_the_dialects_own_error_event(serve: ServeFn, clients: Clients) -> None:
    import openai

    server = serve(
        'chaos: {seed: 5, rate: 1, faults: [{error: overloaded}]}\nturns: ["one two three four five six seven"]'
    )
    with pytest.raises(openai.APIError, match="Overloaded"):
        for _ in clients.openai(server).chat.completions.create(model="m", messages=USER, stream=True):  # type: ignore[arg-type]
            pass
    assert server.journal.calls()[0].faults == ["error"]


# --- robustness -----------------------------------------------------------------------------------

HAVOC = """
chaos:
  seed: 9
  rate: 1
  faults:
    - disconnect
    - {disconnect: graceful}
    - reset
    - {truncate: 7}
    - invalid_json
    - {malformed: "data: {\\n\\n"}
    - duplicate
    - reorder
    - {error: overloaded}
    - {stall: 10ms, keepalive: 1ms}
    - {http_error: 429}
turns: ["Every one of these streams breaks somewhere along the way."]
"""


@pytest.fixture
def havoc_server() -> Iterator[MockServer]:
    """A server of its own, so its connections and tasks can be counted."""
    with MockServer({"default": scenario(HAVOC), "clean": scenario('turns: ["All good."]')}) as server:
        yield server


async def one_request(
    port: int, *, path: str = "/v1/chat/completions", abandon: bool = False, payload: bytes = REQUEST
) -> None:
    """A raw HTTP/1.1 request in one write (no Nagle delay), read to the end or to the break."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST %s HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-api-key: k\r\n"
            b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (path.encode(), len(payload), payload)
        )
        await writer.drain()
        if abandon:
            await reader.read(1)
            return
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    finally:
        writer.close()


async def hammer(port: int, streams: int, concurrency: int = 50) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def guarded(n: int) -> None:
        async with gate:
            # Every seventh client walks away after the first byte, on top of the server's faults.
            await one_request(port, abandon=n % 7 == 0)

    await asyncio.gather(*(guarded(n) for n in range(streams)))


def server_tasks(server: MockServer) -> int:
    # The uvicorn server is reached through its private handle: a leak check needs its event loop.
    loop = server._server.servers[0].get_loop()  # type: ignore[union-attr]

    async def count() -> int:
        return len(asyncio.all_tasks()) - 1

    return asyncio.run_coroutine_threadsafe(count(), loop).result(timeout=2)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts file descriptors through /proc")
def test_after_1000_faulted_streams_the_server_serves_a_clean_stream_and_leaks_nothing(
    havoc_server: MockServer, clients: Clients
) -> None:
    tasks_before, fds_before = server_tasks(havoc_server), open_fds()
    asyncio.run(hammer(havoc_server.port, 1000))
    calls = wait_for_calls(havoc_server, lambda c: c.duration is not None, 1000)
    assert len(calls) == 1000
    assert all(c.duration is not None for c in calls)
    # A client that walks away early may leave before its fault fires; every other stream broke.
    assert all(c.faults or c.client_disconnected for c in calls)
    assert sum(bool(c.faults) for c in calls) > 800
    chunks = clients.openai(havoc_server).chat.completions.create(
        model="m",
        messages=USER,  # type: ignore[arg-type]
        stream=True,
        extra_headers={"x-mock-scenario": "clean"},
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "All good."
    assert server_tasks(havoc_server) == tasks_before
    assert open_fds() <= fds_before + 1  # the SDK client's pooled connection


EVERYTHING = """
chaos:
  seed: 3
  rate: 1
  faults: [disconnect, reset, {truncate: 9}, invalid_json, duplicate, reorder, {error: overloaded}, {stall: 5ms}, 529]
turns:
  - reasoning: "Think first."
    text: "The quick brown fox jumps over the lazy dog."
    tool_calls: [{name: lookup, arguments: {q: fox}}]
"""
DIALECT_REQUESTS = {
    "/v1/chat/completions": {"model": "m", "messages": USER},
    "/v1/messages": {"model": "m", "max_tokens": 50, "messages": USER},
    "/v1/responses": {"model": "m", "input": "x"},
}


@pytest.mark.parametrize("path", DIALECT_REQUESTS)
@pytest.mark.parametrize("stream", [True, False])
def test_every_chaos_fault_at_every_point_is_served_without_a_server_error(
    serve: ServeFn, path: str, stream: bool
) -> None:
    server = serve(EVERYTHING.replace(", 529]", ", {http_error: 529}]"))
    payload = json.dumps({**DIALECT_REQUESTS[path], "stream": stream}).encode()

    async def run() -> None:
        for _ in range(40):
            await one_request(server.port, path=path, payload=payload)

    asyncio.run(run())
    calls = wait_for_calls(server, lambda c: c.duration is not None, 40)
    assert len(calls) == 40
    assert [c.error for c in calls if c.status == 500 or (c.error or "").startswith("mockserver internal")] == []
    # Non-streaming answers have no frames to duplicate or reorder; every other pick fires.
    assert sum(bool(c.faults) for c in calls) >= 25
