"""Typed readers for scenario values: each reads one field at a cursor, or reports a located
problem and returns None, so the loader can keep going and report everything at once."""

from __future__ import annotations

import re

from mockserver.scenario.cursor import Cursor, type_name

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


def parse_duration(text: str | int | float) -> float:
    """`250ms`, `1.5s`, `2m` or a plain number of seconds."""
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like 250ms or 1.5s, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"a duration cannot be negative, got {text!r}")
        return float(text)
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f"expected a duration like 250ms or 1.5s, got {text!r}")
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def read_duration(c: Cursor) -> float | None:
    if not isinstance(c.value, str | int | float):
        c.problem(f"expected a duration like 250ms or 1.5s, got {type_name(c.value)}")
        return None
    try:
        return parse_duration(c.value)
    except ValueError as exc:
        c.problem(str(exc))
        return None


def read_interval(c: Cursor) -> float | None:
    """A keep-alive period: a duration that must be above zero, or pings would never stop."""
    seconds = read_duration(c)
    if seconds == 0:
        c.problem("expected a duration above zero, such as 5s")
        return None
    return seconds


def read_int(c: Cursor, *, minimum: int = 0) -> int | None:
    if isinstance(c.value, bool) or not isinstance(c.value, int):
        c.problem(f"expected a whole number, got {type_name(c.value)}")
        return None
    if c.value < minimum:
        c.problem(f"expected a number >= {minimum}, got {c.value}")
        return None
    return c.value


def read_number(c: Cursor, *, minimum: float = 0.0) -> float | None:
    if isinstance(c.value, bool) or not isinstance(c.value, int | float):
        c.problem(f"expected a number, got {type_name(c.value)}")
        return None
    if c.value < minimum:
        c.problem(f"expected a number >= {minimum}, got {c.value}")
        return None
    return float(c.value)


def read_bool(c: Cursor) -> bool | None:
    if not isinstance(c.value, bool):
        c.problem(f"expected true or false, got {type_name(c.value)}")
        return None
    return c.value


def read_string(c: Cursor) -> str | None:
    if not isinstance(c.value, str):
        c.problem(f"expected a string, got {type_name(c.value)}")
        return None
    return c.value
