"""Reading a JSON request body: one parser for every endpoint, dialects and control API alike.

`json.loads` accepts what the APIs refuse and what mockserver could not answer with: NaN and
Infinity (not JSON), integers past Python's digit limit (a ValueError), lone surrogate escapes
(a str that cannot be encoded again when echoed or journaled) and nesting deep enough that
echoing it exceeds the recursion limit. Each is refused here, once, as a client's mistake.
"""

from __future__ import annotations

import json
from typing import NoReturn

from mockserver.types import JSONValue

# Deep enough for any real tool schema or conversation; shallow enough that echoing the value
# inside a response object stays far from Python's recursion limit.
MAX_DEPTH = 128


class BodyError(ValueError):
    """The body is not JSON mockserver can read; the message says why, for the client."""


def _no_constants(name: str) -> NoReturn:
    raise BodyError(f"{name} is not a valid JSON value")


def _deeper_than(value: JSONValue, limit: int) -> bool:
    stack: list[tuple[JSONValue, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


def parse_json(raw: bytes | str) -> JSONValue:
    """The parsed body, or BodyError. Cheap for ordinary bodies: the depth walk and the surrogate
    check run only when the raw text could hold what they look for."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value: JSONValue = json.loads(text, parse_constant=_no_constants)
    except BodyError:
        raise
    except UnicodeDecodeError as exc:
        raise BodyError(f"the body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise BodyError(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        # JSONDecodeError, and the int digit limit's ValueError.
        raise BodyError(str(exc)) from None
    if (text.count("{") + text.count("[") > MAX_DEPTH) and _deeper_than(value, MAX_DEPTH):
        raise BodyError(f"the body nests deeper than {MAX_DEPTH} levels")
    if "\\ud" in text or "\\uD" in text:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BodyError(f"the body holds a lone surrogate escape ({exc.object[exc.start]!a})") from None
    return value
