"""The Chat Completions renderer, pure: script in, frames out; no server involved."""

from __future__ import annotations

import json

from mockserver.dialects.base import RenderContext, TokenUsage
from mockserver.dialects.openai_chat import ChatOptions, render_body, render_stream
from mockserver.types import JSONObject
from tests.conftest import script

CTX = RenderContext(
    nonce="abc",
    model="gpt-test",
    created=1_700_000_000,
    usage=TokenUsage(input_tokens=10, output_tokens=4, total_tokens=14),
)


def chunks(yaml_text: str, ctx: RenderContext = CTX) -> list[JSONObject | str]:
    out: list[JSONObject | str] = []
    for frames in render_stream(script(yaml_text), ctx):
        for frame in frames:
            assert frame.event is None
            out.append(frame.data if frame.data == "[DONE]" else json.loads(frame.data))
    return out


def deltas(yaml_text: str) -> list[object]:
    return [c["choices"][0]["delta"] for c in chunks(yaml_text) if isinstance(c, dict) and c["choices"]]  # type: ignore[index]


def test_role_is_sent_once_in_the_first_chunk() -> None:
    found = deltas('turns: ["Hi there"]')
    assert found[0] == {"role": "assistant", "content": "", "refusal": None}
    assert sum("role" in d for d in found) == 1  # type: ignore[operator]


def test_every_chunk_carries_the_same_id_created_and_model() -> None:
    found = [c for c in chunks('turns: ["a b"]') if isinstance(c, dict)]
    assert {(c["id"], c["created"], c["model"], c["object"]) for c in found} == {
        ("chatcmpl-abc", 1_700_000_000, "gpt-test", "chat.completion.chunk")
    }


def test_stream_ends_with_finish_reason_then_done() -> None:
    found = chunks('turns: ["a"]')
    assert found[-1] == "[DONE]"
    last = found[-2]
    assert isinstance(last, dict)
    assert last["choices"] == [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]


def test_tool_call_id_and_name_come_once_then_argument_fragments() -> None:
    found = deltas("turns: [{tool_calls: [{name: get_weather, arguments: {city: Paris}}]}]")
    calls = [d["tool_calls"][0] for d in found if "tool_calls" in d]  # type: ignore[index, operator]
    assert calls[0] == {
        "index": 0,
        "id": "call_abc00",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    assert all(set(c) == {"index", "function"} for c in calls[1:])
    assert json.loads("".join(c["function"]["arguments"] for c in calls)) == {"city": "Paris"}


def test_reasoning_arrives_as_reasoning_content() -> None:
    found = deltas('turns: [{reasoning: "hmm ok", text: "Yes"}]')
    assert [d.get("reasoning_content") for d in found if "reasoning_content" in d] == ["hmm", " ok"]  # type: ignore[attr-defined, operator]


def test_usage_chunk_only_when_asked_and_usage_null_before_it() -> None:
    plain = chunks('turns: ["a"]')
    assert all("usage" not in c for c in plain if isinstance(c, dict))
    ctx = RenderContext(nonce="n", model="m", created=1, usage=CTX.usage, options=ChatOptions(include_usage=True))
    with_usage = [c for c in chunks('turns: ["a"]', ctx) if isinstance(c, dict)]
    assert all(c["usage"] is None for c in with_usage[:-1])
    assert with_usage[-1]["choices"] == []
    assert with_usage[-1]["usage"]["total_tokens"] == 14  # type: ignore[index, call-overload]


def test_length_stop_maps_to_finish_reason_length() -> None:
    found = chunks('turns: [{text: "cut", stop: length}]')
    assert found[-2]["choices"][0]["finish_reason"] == "length"  # type: ignore[index]


def test_mid_stream_error_is_a_data_frame_with_an_error_object() -> None:
    found = chunks("turns: [{steps: [{text: hi}, {fault: {error: rate_limit}}]}]")
    assert found[-1] == {
        "error": {
            "message": "Rate limit reached. Please try again later.",
            "type": "rate_limit_exceeded",
            "param": None,
            "code": "rate_limit",
        }
    }


def test_body_assembles_the_same_message() -> None:
    body = render_body(script('turns: [{reasoning: "r", text: "Hello world"}]'), CTX)
    assert body["object"] == "chat.completion"
    choice = body["choices"][0]  # type: ignore[index]
    assert choice["message"]["content"] == "Hello world"  # type: ignore[index, call-overload]
    assert choice["message"]["reasoning_content"] == "r"  # type: ignore[index, call-overload]
    assert choice["finish_reason"] == "stop"  # type: ignore[index, call-overload]
