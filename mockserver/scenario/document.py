"""YAML text → a Cursor at its root, within limits that keep a hostile file cheap to reject.

A scenario file is untrusted input: it may come from a pull request or through the control API
of a shared server. Before the document is built, one pass over the parser's events measures it:
its size, its nesting depth and how many values it holds once every alias is expanded (a few
hundred bytes of aliases can stand for billions of values). Only the safe loader is used, the C
one where PyYAML has it, which parses ten times faster.
"""

from __future__ import annotations

from typing import Any

import yaml

from mockserver.scenario.cursor import Cursor, Report

MAX_CHARACTERS = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 100_000
# Far beyond any count or token figure, and below Python's limit on parsing integers.
MAX_INTEGER_DIGITS = 100

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LimitedLoader(_Loader):  # type: ignore[misc]
    """The safe loader, with integers too long to be a count reported at their node."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INTEGER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {digits} digits is too large for any setting", node.start_mark
            )
        return int(super().construct_yaml_int(node))


_LimitedLoader.add_constructor("tag:yaml.org,2002:int", _LimitedLoader.construct_yaml_int)


class _TooLarge(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return 0 if mark is None else mark.line + 1


def _measure(text: str) -> None:
    """Walk the parser's events once; raise _TooLarge at the first limit passed."""
    anchors: dict[str, int] = {}
    open_nodes: list[tuple[str | None, int]] = []
    values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.ScalarEvent):
            values += 1
            if event.anchor is not None:
                anchors[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            values += anchors.get(str(event.anchor), 1)
        elif isinstance(event, yaml.CollectionStartEvent):
            values += 1
            open_nodes.append((event.anchor, values))
            if len(open_nodes) > MAX_DEPTH:
                raise _TooLarge(_line(event), f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, first = open_nodes.pop()
            if anchor is not None:
                anchors[anchor] = values - first + 1
        if values > MAX_VALUES:
            raise _TooLarge(_line(event), f"holds more than {MAX_VALUES} values once its aliases are expanded")


def _reader_line(text: str, position: int) -> int:
    # The C reader counts bytes of UTF-8, the Python one characters.
    if _Loader is yaml.SafeLoader:
        return text.count("\n", 0, position) + 1
    return text.encode("utf-8").count(b"\n", 0, position) + 1


def parse_document(text: str, report: Report) -> Cursor | None:
    """Parse one document; a syntax error or a limit passed becomes a located problem."""
    if len(text) > MAX_CHARACTERS:
        report.add(None, "", f"the document is {len(text)} characters long; the limit is {MAX_CHARACTERS}")
        return None
    try:
        _measure(text)
        loader = _LimitedLoader(text)
        try:
            node = loader.get_single_node()
            value = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _TooLarge as exc:
        report.add(exc.line, "", f"the document is too large: {exc}")
        return None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        report.add(_reader_line(text, exc.position), "", f"invalid YAML: {exc.reason} (U+{code:04X})")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        report.add(line, "", f"invalid YAML: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        report.add(None, "", f"invalid YAML: {exc}")
        return None
    return Cursor(value, node, "", report)
