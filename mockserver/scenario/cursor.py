"""A read position in a YAML document that knows its field path and source line.

The loader walks parsed data and the composed node tree together through a Cursor, so every
problem it reports names the file, the line and the field, and all problems are collected.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from mockserver.errors import Problem


@dataclass(slots=True)
class Report:
    """Collects problems for one source instead of stopping at the first."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, where: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, where, message))


@dataclass(frozen=True, slots=True)
class Cursor:
    value: object
    node: yaml.Node | None
    where: str
    report: Report

    @property
    def line(self) -> int | None:
        return None if self.node is None else self.node.start_mark.line + 1

    def problem(self, message: str) -> None:
        self.report.add(self.line, self.where, message)

    def _child_node(self, key: str | int) -> yaml.Node | None:
        node = self.node
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == key:
                    return _node(value_node)
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            return _node(node.value[key])
        return node

    def _key_node(self, key: str) -> yaml.Node | None:
        if isinstance(self.node, yaml.MappingNode):
            for key_node, _ in self.node.value:
                if key_node.value == key:
                    return _node(key_node)
        return self.node

    def child(self, key: str | int) -> Cursor:
        where = f"{self.where}[{key}]" if isinstance(key, int) else (f"{self.where}.{key}" if self.where else key)
        value = self.value.get(key) if isinstance(self.value, dict) else None
        if isinstance(self.value, list) and isinstance(key, int):
            value = self.value[key]
        return Cursor(value, self._child_node(key), where, self.report)

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def field_names(self) -> list[str]:
        return [str(k) for k in self.value] if isinstance(self.value, dict) else []

    def items(self) -> Iterator[Cursor]:
        if isinstance(self.value, list):
            for index in range(len(self.value)):
                yield self.child(index)

    def mapping(self, allowed: frozenset[str], hints: dict[str, str] | None = None) -> bool:
        """Require a mapping whose keys are all known; unknown keys get a did-you-mean."""
        if not isinstance(self.value, dict):
            self.problem(f"expected a mapping, got {type_name(self.value)}")
            return False
        for key in self.value:
            if key in allowed:
                continue
            hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            suggestion = (
                f" (did you mean '{hint[0]}'?)" if hint else f" (expected one of: {', '.join(sorted(allowed))})"
            )
            if hints and key in hints:
                suggestion = f" ({hints[key]})"
            name = f"{self.where}.{key}" if self.where else str(key)
            node = self._key_node(str(key))
            self.report.add(None if node is None else node.start_mark.line + 1, name, f"unknown key{suggestion}")
        return True


def _node(value: object) -> yaml.Node | None:
    return value if isinstance(value, yaml.Node) else None


def type_name(value: object) -> str:
    match value:
        case None:
            return "nothing"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "a mapping"
        case _:
            return type(value).__name__
