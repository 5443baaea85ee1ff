"""YAML scenario files → Scenario objects, with every problem reported as `file:line: field: message`.

Text, an already-parsed mapping, one file or a folder of files all come in here. This module reads
a scenario's top level (seed, match, timing, chaos); `turn_syntax` reads each of its turns.
Only `yaml.SafeLoader` is used: scenario files are data, never code. Scenario names come from
file stems inside one folder, so a name a client sends is a dictionary key, never a path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from mockserver.errors import Problem, ScenarioError
from mockserver.scenario.cursor import Cursor, Report, type_name
from mockserver.scenario.document import MAX_CHARACTERS, parse_document
from mockserver.scenario.fault_syntax import read_chaos
from mockserver.scenario.model import Chaos, Match, Scenario, Timing, Turn
from mockserver.scenario.readers import read_int, read_string
from mockserver.scenario.turn_syntax import read_timing, read_turn

SCENARIO_KEYS = frozenset({"description", "match", "seed", "timing", "turns", "chaos"})
MATCH_KEYS = frozenset({"model", "prompt"})


def _scenario(root: Cursor, name: str, source: str) -> Scenario | None:
    if not root.mapping(SCENARIO_KEYS):
        return None
    seed = 0
    if root.has("seed"):
        seed = read_int(root.child("seed")) or 0
    timing = read_timing(root.child("timing"), Timing()) if root.has("timing") else Timing()
    match = None
    if root.has("match"):
        match_c = root.child("match")
        if match_c.mapping(MATCH_KEYS):
            model = read_string(match_c.child("model")) if match_c.has("model") else None
            prompt = None
            if match_c.has("prompt"):
                pattern = read_string(match_c.child("prompt"))
                try:
                    prompt = None if pattern is None else re.compile(pattern)
                except re.error as exc:
                    match_c.child("prompt").problem(f"invalid regular expression: {exc}")
            match = Match(model=model, prompt=prompt)
    turns: list[Turn] = []
    turns_c = root.child("turns")
    if not root.has("turns"):
        root.problem("a scenario needs 'turns', a list of at least one turn")
    elif not isinstance(turns_c.value, list) or not turns_c.value:
        turns_c.problem(f"expected a non-empty list of turns, got {type_name(turns_c.value)}")
    for turn_c in turns_c.items():
        turn = read_turn(turn_c, seed, timing)
        if turn is not None:
            turns.append(turn)
    description = root.value.get("description") if isinstance(root.value, dict) else None
    chaos = read_chaos(root.child("chaos"), seed) if root.has("chaos") else None
    if not turns:
        return None
    return Scenario(
        name=name,
        turns=tuple(turns),
        description=str(description or ""),
        match=match,
        seed=seed,
        source=source,
        chaos=chaos,
    )


# --- public entry points ---------------------------------------------------------------------------

SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _finish(report: Report, scenario: Scenario | None) -> Scenario:
    if report.problems:
        raise ScenarioError(report.problems)
    assert scenario is not None
    return scenario


def scenario_from_text(text: str, name: str, source: str = "<inline>") -> Scenario:
    """Parse one scenario from YAML text; raises ScenarioError listing every problem."""
    report = Report(source)
    root = parse_document(text, report)
    return _finish(report, None if root is None else _scenario(root, name, source))


def chaos_from_text(text: str, source: str = "--chaos") -> Chaos:
    """Server-wide chaos from `rate=0.2,seed=1,faults=disconnect+reset+503` (the CLI form) or a
    YAML mapping as in a scenario's `chaos:`; the same validation and messages either way."""
    report = Report(source)
    spec = text.strip()
    if not spec.startswith("{"):
        parts: list[str] = []
        for item in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                report.add(None, item, "expected key=value, such as rate=0.2 or seed=1")
                continue
            value = value.strip()
            if key.strip() == "faults":
                names = [n.strip() for n in value.split("+") if n.strip()]
                value = "[" + ", ".join(f"{{http_error: {n}}}" if n.isdigit() else n for n in names) + "]"
            parts.append(f"{key.strip()}: {value}")
        spec = "{" + ", ".join(parts) + "}"
    root = parse_document(spec, report)
    chaos = None if root is None else read_chaos(root, 0)
    if report.problems:
        raise ScenarioError(report.problems)
    assert chaos is not None
    return chaos


def scenario_from_data(data: Mapping[str, object], name: str, source: str = "<inline>") -> Scenario:
    """Build a scenario from an already-parsed mapping (a dict passed to the pytest fixture)."""
    report = Report(source)
    return _finish(report, _scenario(Cursor(dict(data), None, "", report), name, source))


MAX_FILE_BYTES = MAX_CHARACTERS


def load_scenario_file(path: Path) -> Scenario:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                [Problem(str(path), None, "", f"the file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), None, "", f"cannot read: {exc}")]) from exc
    return scenario_from_text(text, path.stem, str(path))


def scenario_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def check_scenarios(directory: Path) -> list[tuple[Path, Scenario | ScenarioError]]:
    """Every `*.yaml` in the folder with its verdict: the scenario, or all of its problems."""
    if not directory.is_dir():
        raise ScenarioError([Problem(str(directory), None, "", "not a folder of scenario files")])
    verdicts: list[tuple[Path, Scenario | ScenarioError]] = []
    names: set[str] = set()
    for path in scenario_files(directory):
        if not SCENARIO_NAME.match(path.stem):
            message = "a scenario file name may use letters, digits, '.', '_', '-'"
            verdicts.append((path, ScenarioError([Problem(str(path), None, "", message)])))
            continue
        if path.stem in names:
            message = f"another file already defines scenario {path.stem!r}"
            verdicts.append((path, ScenarioError([Problem(str(path), None, "", message)])))
            continue
        names.add(path.stem)
        try:
            verdicts.append((path, load_scenario_file(path)))
        except ScenarioError as exc:
            verdicts.append((path, exc))
    return verdicts


def load_scenarios(directory: Path) -> dict[str, Scenario]:
    """Every `*.yaml` in the folder, keyed by file stem; all problems of all files in one error."""
    scenarios: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for path, verdict in check_scenarios(directory):
        if isinstance(verdict, ScenarioError):
            problems.extend(verdict.problems)
        else:
            scenarios[path.stem] = verdict
    if problems:
        raise ScenarioError(problems)
    return scenarios
