"""The command line: validate, list and serve, as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.cli import main

GOOD = "description: Says hi.\nturns: [hi]\n"
BAD = "turns:\n  - text: hi\n    stopp: length\n"
ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))
    + "turns: [{text: hi, stop: *i}]\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "greeting.yaml").write_text(GOOD)
    return tmp_path


def test_validate_accepts_a_good_folder(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(folder)]) == 0
    assert "1 scenarios, all valid" in capsys.readouterr().out


def test_validate_lists_every_problem_as_file_line_field(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "broken.yaml").write_text(BAD)
    (folder / "worse.yaml").write_text("turns: [{pause: soon}]\n")
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{folder}/broken.yaml:3: turns[0].stopp: unknown key (did you mean 'stop'?)"
    assert (
        err[1]
        == f"{folder}/worse.yaml:1: turns[0].pause: unknown key ('pause' is a step: put it in the turn's 'steps' list)"
    )
    assert err[-1] == "2 problems found in 2 of 3 files"
    assert capsys.readouterr().out == ""


def test_validate_gives_every_file_a_verdict(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "bomb.yaml").write_text(ALIAS_BOMB)
    (folder / "zeta.yaml").write_text(GOOD)
    assert main(["validate", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{folder}/greeting.yaml: valid", f"{folder}/zeta.yaml: valid"]
    assert captured.err.splitlines()[-1] == "1 problem found in 1 of 3 files"


def test_list_shows_names_turns_and_descriptions(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", str(folder)]) == 0
    assert capsys.readouterr().out == "greeting\t1 turn\tSays hi.\n"


def test_serve_refuses_an_invalid_folder_and_says_why(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "broken.yaml").write_text(BAD)
    assert main(["serve", "--scenarios", str(folder), "--port", "0"]) == 1
    assert "broken.yaml:3: turns[0].stopp" in capsys.readouterr().err


@pytest.mark.parametrize("speed", ["0", "-1", "fast", "nan"])
def test_serve_rejects_a_speed_that_is_not_positive(speed: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--speed", speed])
    assert caught.value.code == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate=2", "argument --chaos: rate: expected a fraction between 0 and 1, got 2.0"),
        ("faults=explode", "argument --chaos: faults[0]: unknown fault 'explode'"),
    ],
)
def test_serve_rejects_a_bad_chaos_spec_and_says_why(
    spec: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--chaos", spec])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture
def served(folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """`python -m mockserver serve --port 0` in a subprocess; yields its URL. A test adds flags by
    parametrizing `served` indirectly with a list of them."""
    flags: list[str] = getattr(request, "param", [])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--scenarios",
            str(folder),
            "--port",
            "0",
            "--log-level",
            "warning",
            *flags,
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"on (http://127\.0\.0\.1:\d+) ", line)
    assert found, line
    try:
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def test_serve_answers_on_loopback_with_the_folder_scenarios(served: str) -> None:
    response = httpx.post(
        f"{served}/v1/chat/completions",
        json={"model": "greeting", "messages": [{"role": "user", "content": "hello"}]},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hi"


@pytest.mark.parametrize("served", [["--chaos", "rate=1,seed=3,faults=503"]], indirect=True)
def test_serve_with_chaos_fails_requests_as_the_spec_says(served: str) -> None:
    response = httpx.post(
        f"{served}/v1/chat/completions",
        json={"model": "greeting", "messages": [{"role": "user", "content": "hello"}]},
        timeout=10,
    )
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "server_error"


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--journal-max-bytes", "lots", "expected a size in bytes such as 268435456, 256MB or 1GB, got 'lots'"),
        ("--journal-max-bytes", "0", "expected at least 1 byte, got '0'"),
        ("--responses-max-bytes", "5 MB 6", "expected a size in bytes"),
        ("--render-cache-max-bytes", "1XB", "expected a size in bytes"),
        ("--journal-max-requests", "many", "expected a whole number such as 10000, got 'many'"),
        ("--journal-max-requests", "0", "expected at least 1, got '0'"),
        ("--namespace-idle-timeout", "soon", "expected a number of seconds such as 3600, or 0 for never, got 'soon'"),
        ("--namespace-idle-timeout", "inf", "expected a number of seconds such as 3600, or 0 for never, got 'inf'"),
    ],
)
def test_serve_rejects_a_bound_that_is_not_a_positive_size_and_says_why(
    flag: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", flag, value])
    assert caught.value.code == 2
    assert f"argument {flag}: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("served", [["--journal-max-requests", "2", "--journal-max-bytes", "64KB"]], indirect=True)
def test_serve_keeps_the_journal_within_the_bounds_it_is_given(served: str) -> None:
    for size in (10, 10, 10, 100_000):
        body = {"model": "greeting", "messages": [{"role": "user", "content": "x" * size}]}
        assert httpx.post(f"{served}/v1/chat/completions", json=body, timeout=10).status_code == 200
    journal = httpx.get(f"{served}/_mock/requests", timeout=10).json()
    assert (len(journal["requests"]), journal["evicted"]) == (1, 3)
