"""`serve --watch`: changed scenario files are reloaded; bad edits keep the last good version."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from mockserver import MockServer
from mockserver.cli import build_parser
from mockserver.scenario.loader import load_scenarios
from mockserver.scenario.model import Scenario
from mockserver.watch import ScenarioWatcher

CHAT = {"model": "greet", "messages": [{"role": "user", "content": "Hi"}]}


class State:
    def __init__(self, scenarios: Mapping[str, Scenario]) -> None:
        self.scenarios = scenarios


def text_of(scenario: Scenario) -> str:
    return "".join(scenario.turns[0].steps[0].pieces)  # type: ignore[union-attr]


def streamed_text(sse: str) -> str:
    events = [json.loads(line[6:]) for line in sse.splitlines() if line.startswith("data: {")]
    return "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "greet.yaml").write_text('turns: ["Hello"]\n')
    return tmp_path


def watcher_for(folder: Path) -> tuple[ScenarioWatcher, State]:
    state = State(load_scenarios(folder))
    return ScenarioWatcher(folder, state), state


def test_an_edited_file_is_reloaded(folder: Path) -> None:
    watcher, state = watcher_for(folder)
    (folder / "greet.yaml").write_text('turns: ["Hello again, edited"]\n')
    assert watcher.poll() == ["greet"]
    assert text_of(state.scenarios["greet"]) == "Hello again, edited"


def test_an_unchanged_folder_keeps_the_same_mapping(folder: Path) -> None:
    watcher, state = watcher_for(folder)
    before = state.scenarios
    assert watcher.poll() == []
    assert state.scenarios is before


def test_an_invalid_edit_keeps_the_last_good_version_and_logs_file_and_line(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher, state = watcher_for(folder)
    path = folder / "greet.yaml"
    path.write_text('turns:\n  - text: "Hi"\n    stop: sideways\n')
    with caplog.at_level(logging.ERROR, logger="mockserver.watch"):
        assert watcher.poll() == []
    assert text_of(state.scenarios["greet"]) == "Hello"
    (message,) = caplog.messages
    assert message.startswith(f"{path}:3: turns[0].stop: unknown stop reason 'sideways'")
    assert message.endswith("(keeping the last good version of scenario 'greet')")


def test_a_bad_edit_is_reported_once_and_a_fix_is_picked_up(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    watcher, state = watcher_for(folder)
    path = folder / "greet.yaml"
    path.write_text("turns: [")
    with caplog.at_level(logging.ERROR, logger="mockserver.watch"):
        watcher.poll()
        watcher.poll()
    assert len(caplog.records) == 1
    path.write_text('turns: ["Fixed"]\n')
    assert watcher.poll() == ["greet"]
    assert text_of(state.scenarios["greet"]) == "Fixed"


def test_a_new_file_is_added_and_a_deleted_one_removed(folder: Path) -> None:
    watcher, state = watcher_for(folder)
    (folder / "bye.yaml").write_text('turns: ["Goodbye"]\n')
    (folder / "greet.yaml").unlink()
    assert sorted(watcher.poll()) == ["bye", "greet"]
    assert sorted(state.scenarios) == ["bye"]


def test_a_stream_in_flight_finishes_with_the_version_it_started_with(folder: Path) -> None:
    path = folder / "greet.yaml"
    path.write_text("turns: [{steps: [{text: 'old start '}, {pause: 0.3s}, {text: 'old end'}]}]\n")
    with MockServer(folder, watch=True, watch_interval=0.02) as server, httpx.Client(base_url=server.url) as http:
        body: dict[str, str] = {}

        def stream_old() -> None:
            with http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response:
                body["text"] = response.read().decode()

        streaming = threading.Thread(target=stream_old)
        streaming.start()
        deadline = time.monotonic() + 2
        while not server.journal.calls() and time.monotonic() < deadline:
            time.sleep(0.005)
        path.write_text('turns: ["brand new text"]\n')
        while text_of(server.scenarios["greet"]) != "brand new text" and time.monotonic() < deadline:
            time.sleep(0.005)
        fresh = http.post("/v1/chat/completions", json=CHAT).json()
        streaming.join(timeout=2)
    assert fresh["choices"][0]["message"]["content"] == "brand new text"
    assert streamed_text(body["text"]) == "old start old end"


def test_watch_needs_a_folder() -> None:
    with pytest.raises(ValueError, match="watch=True needs a scenario folder"):
        MockServer({}, watch=True)


def test_serve_takes_a_watch_flag() -> None:
    assert build_parser().parse_args(["serve", "--watch"]).watch is True
    assert build_parser().parse_args(["serve"]).watch is False
