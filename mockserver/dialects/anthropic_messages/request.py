"""Reading a Messages request: the checks the API makes, worded as it words them, and the
input-token estimate that both a message's usage and `count_tokens` report."""

from __future__ import annotations

import math
from collections.abc import Mapping

from mockserver.dialects.base import ParsedRequest, dumps
from mockserver.errors import RequestError
from mockserver.types import JSONObject, JSONValue


def check_headers(headers: Mapping[str, str]) -> None:
    """The API rejects a request that carries no credentials; it accepts either header form."""
    if not headers.get("x-api-key") and not headers.get("authorization"):
        raise RequestError("x-api-key header is required", status=401, kind="authentication_error")


def _invalid(path: str, message: str) -> RequestError:
    """The API names the offending field as a dotted path, e.g. `messages.0.role: Field required`."""
    return RequestError(f"{path}: {message}", param=path)


def _required(body: JSONObject, key: str, where: str = "") -> JSONValue:
    if key not in body:
        raise _invalid(f"{where}{key}", "Field required")
    return body[key]


def _check_content(where: str, content: JSONValue) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _invalid(where, "Input should be a valid string or a list of content blocks")
    for j, block in enumerate(content):
        if not isinstance(block, dict):
            raise _invalid(f"{where}.{j}", "Input should be a valid dictionary")
        if not isinstance(block.get("type"), str):
            raise _invalid(f"{where}.{j}.type", "Field required")


def _check_system(system: JSONValue) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _invalid("system", "Input should be a valid string or a list of text blocks")
    for j, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
            raise _invalid(f"system.{j}", "Input should be a text block with a string 'text'")


def _checked_messages(body: JSONObject) -> tuple[str, list[JSONObject]]:
    """The fields both `messages` and `count_tokens` require, validated as the API does."""
    model = _required(body, "model")
    if not isinstance(model, str):
        raise _invalid("model", "Input should be a valid string")
    messages = _required(body, "messages")
    if not isinstance(messages, list):
        raise _invalid("messages", "Input should be a valid list")
    if not messages:
        raise _invalid("messages", "at least one message is required")
    checked: list[JSONObject] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _invalid(f"messages.{i}", "Input should be a valid dictionary")
        if _required(message, "role", f"messages.{i}.") not in ("user", "assistant"):
            raise _invalid(f"messages.{i}.role", "Input should be 'user' or 'assistant'")
        _check_content(f"messages.{i}.content", _required(message, "content", f"messages.{i}."))
        checked.append(message)
    _check_system(body.get("system"))
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise _invalid("tools", "Input should be a valid list")
    return model, checked


def _characters(content: JSONValue) -> int:
    if isinstance(content, str):
        return len(content)
    total = 0
    for block in content if isinstance(content, list) else ():
        if not isinstance(block, dict):
            continue
        match block.get("type"):
            case "text":
                total += _characters(block.get("text"))
            case "thinking":
                total += _characters(block.get("thinking"))
            case "tool_result":
                total += _characters(block.get("content"))
            case "tool_use":
                total += len(dumps(block.get("input")))
            case _:
                total += len(dumps(block))
    return total


def _text(content: JSONValue) -> str:
    """What a user message says, leaving out tool results so a prompt match holds across a tool loop."""
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    texts = [b.get("text") for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
    return "\n".join(t for t in texts if isinstance(t, str))


def _input_tokens(body: JSONObject, messages: list[JSONObject]) -> int:
    characters = _characters(body.get("system")) + sum(_characters(m.get("content")) for m in messages)
    tools = body.get("tools")
    if tools:
        characters += len(dumps(tools))
    return math.ceil(characters / 4) + 3 * len(messages)


def parse_request(body: JSONObject) -> ParsedRequest:
    model, messages = _checked_messages(body)
    max_tokens = _required(body, "max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        raise _invalid("max_tokens", "Input should be a valid integer")
    if max_tokens < 1:
        raise _invalid("max_tokens", "Input should be greater than or equal to 1")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _invalid("stream", "Input should be a valid boolean")
    stops = body.get("stop_sequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(s, str) for s in stops)):
        raise _invalid("stop_sequences", "Input should be a valid list of strings")
    prompt = ""
    for message in messages:
        if message["role"] == "user":
            prompt = _text(message["content"]) or prompt
    assistant_turns = sum(1 for m in messages if m["role"] == "assistant")
    if messages[-1]["role"] == "assistant":
        # A trailing assistant message is a prefill the answer continues, not a finished turn.
        assistant_turns -= 1
    return ParsedRequest(
        model=model,
        stream=stream is True,
        prompt=prompt,
        assistant_turns=assistant_turns,
        input_tokens=_input_tokens(body, messages),
    )


def count_tokens(body: JSONObject) -> JSONObject:
    """`/v1/messages/count_tokens`: the same estimate a message's usage reports."""
    _, messages = _checked_messages(body)
    return {"input_tokens": _input_tokens(body, messages)}
