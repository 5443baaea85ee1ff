"""Reading a Responses request: the input items, the turn count, and the fields it echoes.

The response object repeats most of the request's settings, instructions and tools included.
Those can differ with every request (an agent's instructions, megabytes of them), so they travel
as the request's `echo`, filled in per request like `previous_response_id` (the render
context's extra value): the render, cached by the options alone, is done once for all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mockserver.dialects.base import ParsedRequest, dumps, optional, require, text_of
from mockserver.errors import RequestError
from mockserver.types import JSONObject, JSONValue

ROLES = frozenset({"user", "assistant", "system", "developer"})
# Items the model produced; a client sends them back to replay its earlier turns.
OUTPUT_ITEM_TYPES = frozenset({"reasoning", "compaction", "program", "mcp_list_tools", "mcp_approval_request"})
# Refers to a stored item of either side, so it neither starts nor ends an assistant turn.
NEUTRAL_ITEM_TYPES = frozenset({"item_reference"})
TOOL_CHOICES = frozenset({"none", "auto", "required"})
TRUNCATIONS = frozenset({"auto", "disabled"})
REASONING_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"})
SUMMARIES = frozenset({"auto", "concise", "detailed"})
VERBOSITIES = frozenset({"low", "medium", "high"})
SERVICE_TIERS = frozenset({"auto", "default", "flex", "scale", "priority", "fast", "ultrafast"})
MIN_OUTPUT_TOKENS = 16
ENCRYPTED_REASONING = "reasoning.encrypted_content"


@dataclass(frozen=True, slots=True)
class ResponsesOptions:
    """What a rendered turn depends on besides the script and the per-request values."""

    encrypted_reasoning: bool = False
    obfuscation: bool = True


def _problem(message: str, param: str, code: str | None = "invalid_value") -> RequestError:
    return RequestError(message, param=param, code=code)


def _is_output(item: JSONObject) -> bool | None:
    """True for an assistant-side item, False for a client-side one, None for a reference."""
    kind = item.get("type", "message")
    if kind == "message":
        return item.get("role") == "assistant"
    if kind in NEUTRAL_ITEM_TYPES:
        return None
    return kind in OUTPUT_ITEM_TYPES or (isinstance(kind, str) and kind.endswith("_call"))


def _check_item(item: JSONValue, where: str) -> JSONObject:
    if not isinstance(item, dict):
        raise _problem(f"Invalid type for '{where}': expected an object.", where, "invalid_type")
    kind = item.get("type", "message")
    if not isinstance(kind, str):
        raise _problem(f"Invalid type for '{where}.type': expected a string.", f"{where}.type", "invalid_type")
    if kind == "message":
        role = item.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise _problem(
                f"Invalid value for '{where}.role': expected one of {', '.join(sorted(ROLES))}.", f"{where}.role"
            )
        if not isinstance(item.get("content"), str | list):
            raise _problem(
                f"Invalid type for '{where}.content': expected a string or an array of content parts.",
                f"{where}.content",
                "invalid_type",
            )
    required = {
        "function_call": ("call_id", "name", "arguments"),
        "function_call_output": ("call_id", "output"),
    }.get(kind, ())
    for key in required:
        if key not in item:
            raise _problem(
                f"Missing required parameter: '{where}.{key}'.", f"{where}.{key}", "missing_required_parameter"
            )
    return item


def _read_input(value: JSONValue, has_previous: bool) -> tuple[str, int, int]:
    """The last user text, the assistant turns the input replays, and its size in characters."""
    if isinstance(value, str):
        return value, 0, len(value)
    assert isinstance(value, list)
    if not value and not has_previous:
        raise _problem("Invalid 'input': empty array. Expected an array with minimum length 1.", "input", "empty_array")
    prompt = ""
    turns = 0
    characters = 0
    in_turn = False
    for i, raw in enumerate(value):
        item = _check_item(raw, f"input[{i}]")
        output = _is_output(item)
        # Consecutive assistant items (reasoning, text, several calls) are one assistant turn.
        if output is True and not in_turn:
            turns += 1
        if output is not None:
            in_turn = output
        text = text_of(item.get("content")) if "content" in item else ""
        characters += len(text) + len(str(item.get("arguments", ""))) + len(str(item.get("output", "")))
        if item.get("role") == "user":
            prompt = text
    if not has_previous:
        _check_pairs(value)
    return prompt, turns, characters


def _check_pairs(items: list[JSONValue]) -> None:
    """A self-contained history pairs every function call with its output, as the API demands."""
    kinds = [item.get("type") for item in items if isinstance(item, dict)]
    if "item_reference" in kinds:
        return
    calls = [i["call_id"] for i in items if isinstance(i, dict) and i.get("type") == "function_call"]
    outputs = [i["call_id"] for i in items if isinstance(i, dict) and i.get("type") == "function_call_output"]
    for call_id in outputs:
        if call_id not in calls:
            raise _problem(f"No tool call found for function call output with call_id {call_id}.", "input", None)
    for call_id in calls:
        if call_id not in outputs:
            raise _problem(f"No tool output found for function call {call_id}.", "input", None)


def _function_tool(tool: JSONObject, where: str) -> JSONObject:
    name = tool.get("name")
    if not isinstance(name, str):
        if isinstance(tool.get("function"), dict):
            raise _problem(
                f"Missing required parameter: '{where}.name'. Responses tools are flat: "
                '{"type": "function", "name": ..., "parameters": ...}, without a nested "function" object.',
                f"{where}.name",
                "missing_required_parameter",
            )
        raise _problem(f"Missing required parameter: '{where}.name'.", f"{where}.name", "missing_required_parameter")
    return {
        "type": "function",
        "name": name,
        "description": tool.get("description"),
        "parameters": tool.get("parameters"),
        "strict": tool.get("strict", True),
    }


def _tools(value: JSONValue) -> list[JSONValue]:
    tools: list[JSONValue] = []
    for i, tool in enumerate(value if isinstance(value, list) else []):
        where = f"tools[{i}]"
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise _problem(
                f"Missing required parameter: '{where}.type'.", f"{where}.type", "missing_required_parameter"
            )
        tools.append(_function_tool(tool, where) if tool["type"] == "function" else tool)
    return tools


def _number(body: JSONObject, key: str, low: float, high: float, default: float) -> float:
    value = optional(body, key, (int, float), "a number")
    if value is None:
        return default
    assert isinstance(value, int | float)
    if not low <= value <= high:
        raise _problem(f"Invalid '{key}': expected a value between {low:g} and {high:g}, but got {value} instead.", key)
    return float(value)


def _one_of(settings: JSONValue, parent: str, key: str, allowed: frozenset[str]) -> None:
    value = settings.get(key) if isinstance(settings, dict) else None
    if value is not None and (not isinstance(value, str) or value not in allowed):
        param = f"{parent}.{key}" if parent else key
        raise _problem(
            f"Invalid value for '{param}': {value!r}. Supported values are: {', '.join(sorted(allowed))}.", param
        )


def _echo(body: JSONObject, tools: list[JSONValue]) -> JSONObject:
    """The settings the response object repeats, with the API's defaults for those not sent."""
    max_output = optional(body, "max_output_tokens", int, "an integer")
    if isinstance(max_output, int) and max_output < MIN_OUTPUT_TOKENS:
        raise _problem(
            f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= {MIN_OUTPUT_TOKENS}, "
            f"but got {max_output} instead.",
            "max_output_tokens",
            "integer_below_min_value",
        )
    tool_choice = optional(body, "tool_choice", (str, dict), "a string or an object")
    if isinstance(tool_choice, str) and tool_choice not in TOOL_CHOICES:
        raise _problem(
            f"Invalid value for 'tool_choice': expected one of {', '.join(sorted(TOOL_CHOICES))}.", "tool_choice"
        )
    truncation = optional(body, "truncation", str, "a string")
    if truncation is not None and truncation not in TRUNCATIONS:
        raise _problem("Invalid value for 'truncation': expected one of auto, disabled.", "truncation")
    reasoning = optional(body, "reasoning", dict, "an object")
    text = optional(body, "text", dict, "an object")
    # The response repeats these, and the SDK validates them against closed sets.
    _one_of(reasoning, "reasoning", "effort", REASONING_EFFORTS)
    _one_of(reasoning, "reasoning", "summary", SUMMARIES)
    _one_of(text, "text", "verbosity", VERBOSITIES)
    parallel = optional(body, "parallel_tool_calls", bool, "a boolean")
    store = optional(body, "store", bool, "a boolean")
    metadata = optional(body, "metadata", dict, "an object")
    for key, entry in (metadata if isinstance(metadata, dict) else {}).items():
        if not isinstance(entry, str):
            raise _problem(f"Invalid type for 'metadata.{key}': expected a string.", f"metadata.{key}", "invalid_type")
    tier = optional(body, "service_tier", str, "a string")
    _one_of(body, "", "service_tier", SERVICE_TIERS)
    return {
        "instructions": optional(body, "instructions", (str, list), "a string"),
        "max_output_tokens": max_output,
        "max_tool_calls": optional(body, "max_tool_calls", int, "an integer"),
        "parallel_tool_calls": parallel is not False,
        "prompt_cache_key": optional(body, "prompt_cache_key", str, "a string"),
        "reasoning": {"effort": None, "summary": None, **(reasoning if isinstance(reasoning, dict) else {})},
        "safety_identifier": optional(body, "safety_identifier", str, "a string"),
        # `auto` runs at the default tier, and the response says which tier ran it.
        "service_tier": "default" if tier in (None, "auto") else tier,
        "store": store is not False,
        "temperature": _number(body, "temperature", 0, 2, 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium", **(text if isinstance(text, dict) else {})},
        "tool_choice": tool_choice if tool_choice is not None else "auto",
        "tools": tools,
        "top_logprobs": optional(body, "top_logprobs", int, "an integer") or 0,
        "top_p": _number(body, "top_p", 0, 1, 1.0),
        "truncation": truncation or "disabled",
        "user": optional(body, "user", str, "a string"),
        "metadata": metadata if metadata is not None else {},
    }


def parse_request(body: JSONObject) -> ParsedRequest:
    model = require(body, "model", str, "a string")
    assert isinstance(model, str)
    previous = optional(body, "previous_response_id", str, "a string")
    assert previous is None or isinstance(previous, str)
    if body.get("conversation") is not None:
        raise _problem(
            "mockserver keeps responses, not conversations: chain with 'previous_response_id' or send the items.",
            "conversation",
        )
    value = require(body, "input", (str, list), "a string or an array of input items")
    prompt, turns, characters = _read_input(value, previous is not None)
    stream = optional(body, "stream", bool, "a boolean") is True
    stream_options = optional(body, "stream_options", dict, "an object")
    if stream_options is not None and not stream:
        raise _problem("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")
    obfuscation = not isinstance(stream_options, dict) or stream_options.get("include_obfuscation") is not False
    include = optional(body, "include", list, "an array of strings")
    tools = _tools(optional(body, "tools", list, "an array of tools"))
    echo = _echo(body, tools)
    characters += len(text_of(echo["instructions"])) + (len(dumps(tools)) if tools else 0)
    items = len(value) if isinstance(value, list) else 1
    return ParsedRequest(
        model=model,
        stream=stream,
        prompt=prompt,
        assistant_turns=turns,
        input_tokens=max(1, math.ceil(characters / 4)) + 3 * items,
        options=ResponsesOptions(
            encrypted_reasoning=isinstance(include, list) and ENCRYPTED_REASONING in include,
            obfuscation=obfuscation,
        ),
        extra=previous,
        echo=echo,
        previous_response_id=previous,
        store=echo["store"] is True,
    )
