"""Typed readers for scenario values: each reads one field at a cursor, or reports a located
problem and returns None, so the loader can keep going and report everything at once."""

from __future__ import annotations

import math
import re

from mockserver.scenario.cursor import Cursor, type_name

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}
# A day: longer than any test waits, short enough that every deadline is an ordinary float.
MAX_SECONDS = 86_400.0
# The largest integer a JSON client in any language reads exactly.
MAX_INTEGER = 2**53 - 1
# The event loop's timers have millisecond resolution: a shorter keep-alive period means nothing.
MIN_INTERVAL = 0.001


def parse_duration(text: str | int | float) -> float:
    """`250ms`, `1.5s`, `2m` or a plain number of seconds."""
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like 250ms or 1.5s, got {text!r}")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        found = _DURATION.match(text)
        if found is None:
            raise ValueError(f"expected a duration like 250ms or 1.5s, got {text!r}")
        seconds = float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    if math.isnan(seconds) or seconds < 0:
        raise ValueError(f"a duration cannot be negative or not a number, got {text!r}")
    if seconds > MAX_SECONDS:
        raise ValueError(f"a duration may be at most a day ({MAX_SECONDS:g}s), got {text!r}")
    return seconds


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
    if seconds is not None and seconds < MIN_INTERVAL:
        c.problem("expected a duration above zero, such as 5s" if seconds == 0 else "expected at least 1ms")
        return None
    return seconds


def read_int(c: Cursor, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int | None:
    if isinstance(c.value, bool) or not isinstance(c.value, int):
        c.problem(f"expected a whole number, got {type_name(c.value)}")
        return None
    if c.value < minimum:
        c.problem(f"expected a number >= {minimum}, got {c.value}")
        return None
    if c.value > maximum:
        c.problem(f"expected a number <= {maximum}, got {c.value}")
        return None
    return c.value


def read_number(c: Cursor, *, minimum: float = 0.0, maximum: float) -> float | None:
    """A finite number within bounds; every number a scenario holds is a rate, a fraction or a time."""
    if isinstance(c.value, bool) or not isinstance(c.value, int | float):
        c.problem(f"expected a number, got {type_name(c.value)}")
        return None
    value = float(c.value)
    if not minimum <= value <= maximum:
        c.problem(f"expected a number from {minimum:g} to {maximum:g}, got {c.value}")
        return None
    return value


def read_fraction(c: Cursor) -> float | None:
    value = c.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        c.problem(f"expected a fraction between 0 and 1, got {type_name(value)}")
        return None
    if not 0 <= value <= 1:
        c.problem(f"expected a fraction between 0 and 1, got {float(value)}")
        return None
    return float(value)


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
