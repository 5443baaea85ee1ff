"""Import layers: data flows one way, and the pure layers stay free of I/O frameworks.

A module may import only from its own layer or the layers below it. The pure modules (the
scenario model, the event script, SSE framing, renderers, timing, planning) never import an
async or web framework, which is what lets them be tested without a server.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mockserver"

LAYERS: dict[str, int] = {
    "errors": 0,
    "types": 0,
    "json_body": 0,
    "config": 0,
    "scenario.model": 1,
    "scenario.text": 1,
    "scenario.cursor": 1,
    "events": 1,
    "sse": 1,
    "template": 1,
    "scenario.readers": 1,
    "scenario.document": 2,
    "scenario.fault_syntax": 2,
    "scenario.turn_syntax": 2,
    "scenario.loader": 2,
    "scenario.matching": 2,
    "scenario": 2,
    "dialects.base": 2,
    "dialects.anthropic_messages": 2,
    "dialects.anthropic_messages.errors": 2,
    "dialects.anthropic_messages.request": 2,
    "dialects.anthropic_messages.stream": 2,
    "dialects": 2,
    "timing": 2,
    "journal": 2,
    "namespaces": 2,
    "compiled": 2,
    "plan": 2,
    "faults": 2,
    "chaos": 2,
    "response_store": 2,
    "pacer": 3,
    "direct": 3,
    "transport": 3,
    "answers": 3,
    "state": 3,
    "endpoint": 4,
    "control": 4,
    "app": 4,
    "watch": 5,
    "handle": 5,
    "protocol": 5,
    "server": 5,
    "cli": 6,
    "pytest_plugin": 6,
    "bench": 6,
    "__main__": 7,
    "__init__": 7,
}
PURE_BANNED = ("asyncio", "starlette", "uvicorn", "yaml", "socket", "time")
PURE = (
    "events",
    "sse",
    "template",
    "timing",
    "plan",
    "faults",
    "chaos",
    "compiled",
    "scenario.model",
    "scenario.matching",
    "dialects",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(name: str) -> int:
    while name not in LAYERS:
        if "." not in name:
            raise KeyError(f"mockserver.{name} has no layer in tests/test_architecture.py; add it")
        name = name.rsplit(".", 1)[0]
    return LAYERS[name]


def imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_module_imports_only_from_its_layer_or_below(path: Path) -> None:
    name = module_name(path)
    own = layer_of(name)
    upward = [
        target
        for target in imports(path)
        if target.startswith("mockserver.") and layer_of(target.removeprefix("mockserver.")) > own
    ]
    assert upward == [], f"mockserver.{name} (layer {own}) imports from a higher layer: {upward}"


@pytest.mark.parametrize("path", [p for p in MODULES if module_name(p).startswith(PURE)], ids=lambda p: module_name(p))
def test_pure_modules_import_no_io_framework(path: Path) -> None:
    banned = [t for t in imports(path) if t.split(".")[0] in PURE_BANNED]
    assert banned == [], f"mockserver.{module_name(path)} must stay pure but imports {banned}"


def dialect_of(name: str) -> str:
    """`dialects.openai_responses.stream` belongs to the dialect `openai_responses`."""
    return name.removeprefix("mockserver.").split(".")[1]


DIALECT_MODULES = [p for p in MODULES if module_name(p).startswith("dialects.") and module_name(p) != "dialects.base"]


@pytest.mark.parametrize("path", DIALECT_MODULES, ids=lambda p: module_name(p))
def test_dialects_do_not_import_each_other(path: Path) -> None:
    own = dialect_of(module_name(path))
    others = [
        t
        for t in imports(path)
        if t.startswith("mockserver.dialects.") and t != "mockserver.dialects.base" and dialect_of(t) != own
    ]
    assert others == []


def test_only_the_loader_reads_yaml() -> None:
    readers = sorted(module_name(p) for p in MODULES if any(t.split(".")[0] == "yaml" for t in imports(p)))
    assert readers == ["scenario.cursor", "scenario.document"]


def test_nothing_imports_the_cli_or_the_pytest_plugin() -> None:
    offenders = [
        module_name(p)
        for p in MODULES
        if module_name(p) not in ("__main__",)
        and any(t in ("mockserver.cli", "mockserver.pytest_plugin") for t in imports(p))
    ]
    assert offenders == []
