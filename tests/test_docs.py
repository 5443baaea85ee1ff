"""The docs' Python examples run: included ones match their test files, the others are executed.

Blocks written against `make serve` (127.0.0.1:8000) are run by tests/test_readme.py instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver.compiled import MAX_CACHE_ENTRIES
from mockserver.config import (
    JOURNAL_MAX_BYTES,
    JOURNAL_MAX_REQUESTS,
    MIB,
    NAMESPACE_IDLE_TIMEOUT,
    RENDER_CACHE_MAX_BYTES,
    RESPONSES_MAX_BYTES,
)
from mockserver.response_store import MAX_RESPONSES

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "control-api.md"]
SERVED = "127.0.0.1:8000"
INCLUDED = re.compile(r"^<!-- include: (\S+) -->\n```python\n(.*?)^```", re.M | re.S)
BLOCK = re.compile(r"^(<!-- include: \S+ -->\n)?```python\n(.*?)^```", re.M | re.S)


def included() -> list[object]:
    return [
        pytest.param(doc.name, path, body, id=f"{doc.name}:{path}")
        for doc in DOCS
        for path, body in INCLUDED.findall(doc.read_text())
    ]


def standalone() -> list[str]:
    blocks = [body for doc in DOCS for marker, body in BLOCK.findall(doc.read_text()) if not marker]
    return [body for body in blocks if "@pytest" not in body and SERVED not in body]


@pytest.mark.parametrize(("doc", "path", "body"), included())
def test_included_example_is_the_test_file_verbatim(doc: str, path: str, body: str) -> None:
    assert body == (ROOT / path).read_text(), f"{doc}: the block for {path} differs from the file; copy it again"


@pytest.mark.parametrize("example", standalone(), ids=lambda b: b.splitlines()[0])
def test_standalone_example_runs(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(example, "docs", "exec"), {})  # noqa: S102 - the docs are ours


def test_the_readme_states_the_default_bounds_of_what_the_server_keeps() -> None:
    section = (ROOT / "README.md").read_text().split("## What the server keeps", 1)[1].split("\n## ", 1)[0]
    assert f"{JOURNAL_MAX_REQUESTS:,} requests, {JOURNAL_MAX_BYTES // MIB} MB of request bodies" in section
    assert f"{MAX_RESPONSES:,} responses, {RESPONSES_MAX_BYTES // MIB} MB" in section
    assert f"{MAX_CACHE_ENTRIES:,} renders, {RENDER_CACHE_MAX_BYTES // MIB} MB" in section
    assert NAMESPACE_IDLE_TIMEOUT == 3600
    assert "unused for an hour" in section
