"""Chat Completions as bytes on a real socket: framing, headers and pacing."""

from __future__ import annotations

import dataclasses
import json
import re
import time

import httpx

from tests.conftest import Clients, ServeFn

REQUEST = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def test_stream_is_data_only_frames_ending_in_done(serve: ServeFn) -> None:
    server = serve('turns: ["Hello, world!"]')
    with httpx.Client() as http, http.stream("POST", f"{server.openai_base_url}/chat/completions", json=REQUEST) as r:
        raw = b"".join(r.iter_raw())
        headers = r.headers
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["x-request-id"].startswith("req_")
    frames = raw.decode().split("\n\n")
    assert frames[-1] == ""
    assert frames[-2] == "data: [DONE]"
    assert all(re.fullmatch(r"data: \{.*\}", f) for f in frames[:-2])
    assert b"event:" not in raw
    assert b"id:" not in raw.replace(b'"id":', b"")
    contents = [json.loads(f[6:])["choices"][0]["delta"].get("content") for f in frames[:-3]]
    assert "".join(c or "" for c in contents) == "Hello, world!"


def test_non_streaming_answer_is_json(serve: ServeFn) -> None:
    server = serve('turns: ["Hi"]')
    response = httpx.post(f"{server.openai_base_url}/chat/completions", json={**REQUEST, "stream": False})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["choices"][0]["message"]["content"] == "Hi"


def test_first_delta_waits_for_ttft(serve: ServeFn, clients: Clients) -> None:
    server = serve('timing: {ttft: 500ms}\nturns: ["Hello there"]')
    started = time.monotonic()
    stream = clients.openai(server).chat.completions.create(
        model="gpt-4o",
        messages=REQUEST["messages"],
        stream=True,  # type: ignore[arg-type]
    )
    first_delta = next(c for c in stream if c.choices and c.choices[0].delta.content)
    elapsed = time.monotonic() - started
    assert first_delta.choices[0].delta.content == "Hello"
    # The server cannot send early; a loaded machine may only make it later.
    assert elapsed >= 0.5
    assert elapsed < 5.0
    stream.close()


def test_tokens_per_second_paces_the_rest(serve: ServeFn, clients: Clients) -> None:
    server = serve('timing: {tokens_per_second: 20}\nturns: ["one two three four five six seven eight nine ten"]')
    started = time.monotonic()
    stream = clients.openai(server).chat.completions.create(
        model="gpt-4o",
        messages=REQUEST["messages"],  # type: ignore[arg-type]
        stream=True,
    )
    arrivals = [time.monotonic() for c in stream if c.choices and c.choices[0].delta.content]
    assert len(arrivals) == 10
    # Deadlines are absolute from the start of the response: the tenth token is due 9 gaps of
    # 50 ms in, and cannot arrive sooner, however late the earlier ones were.
    assert arrivals[-1] - started >= 0.45
    assert arrivals[-1] - started < 5.0


def test_speed_divides_scripted_time(serve: ServeFn, clients: Clients) -> None:
    server = serve('timing: {ttft: 2s}\nturns: ["fast"]')
    normal = server.app.state.config
    server.app.state.config = dataclasses.replace(normal, speed=10.0)
    try:
        started = time.monotonic()
        completion = clients.openai(server).chat.completions.create(model="m", messages=REQUEST["messages"])  # type: ignore[arg-type]
        elapsed = time.monotonic() - started
    finally:
        server.app.state.config = normal
    assert completion.choices[0].message.content == "fast"
    assert 0.2 <= elapsed < 1.9


def test_models_lists_the_scenarios(serve: ServeFn, clients: Clients) -> None:
    server = serve(greeting='turns: ["hi"]', weather='turns: ["sunny"]')
    assert [m.id for m in clients.openai(server).models.list()] == ["greeting", "weather"]
