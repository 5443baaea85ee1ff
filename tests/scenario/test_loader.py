"""Scenario files: what they mean once loaded, and how a broken one is reported."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mockserver.errors import ScenarioError
from mockserver.scenario import load_scenarios, parse_duration, scenario_from_text
from mockserver.scenario.model import Pause, Reasoning, StopReason, Text, ToolCall

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"


def load(yaml_text: str) -> object:
    return scenario_from_text(textwrap.dedent(yaml_text), "s", "s.yaml")


def problems(yaml_text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load(yaml_text)
    return [str(p) for p in caught.value.problems]


def test_the_issue_example_loads_with_every_key() -> None:
    scenario = scenario_from_text(
        textwrap.dedent(
            """
            description: Calls a tool, then answers.
            match: {model: "weather-*", prompt: "(?i)weather"}
            seed: 7
            timing: {ttft: 250ms, tokens_per_second: 50, jitter: 0.1}
            turns:
              - reasoning: "The user wants the weather, so call the tool."
                tool_calls:
                  - name: get_weather
                    arguments: {city: Tokyo, unit: celsius}
              - text: "It is 21 °C and sunny in Tokyo."
              - steps:
                  - text: "Once upon"
                  - pause: 1.5s
                  - text: " a time"
            """
        ),
        "weather",
    )
    first, second, third = scenario.turns
    assert isinstance(first.steps[0], Reasoning)
    assert isinstance(first.steps[1], ToolCall)
    assert json.loads(first.steps[1].arguments) == {"city": "Tokyo", "unit": "celsius"}
    assert first.resolved_stop is StopReason.TOOL_CALLS
    assert second.resolved_stop is StopReason.END
    assert [type(s) for s in third.steps] == [Text, Pause, Text]
    assert first.timing.ttft == 0.25
    assert first.timing.tokens_per_second == 50
    assert scenario.match is not None
    assert scenario.match.fits("weather-large", "What's the Weather like?")
    assert not scenario.match.fits("gpt-4o", "What's the weather like?")


def test_past_the_last_turn_the_last_one_repeats() -> None:
    scenario = scenario_from_text('turns: ["one", "two"]', "s")
    assert [scenario.turn_for(n)[0] for n in range(4)] == [0, 1, 1, 1]


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("1.5s", 1.5), ("2m", 120.0), (3, 3.0), (0.5, 0.5), ("2", 2.0)]
)
def test_durations_accept_milliseconds_seconds_and_numbers(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_words_keep_their_leading_space_and_join_back() -> None:
    scenario = scenario_from_text('turns: ["Hello, wonderful world of internationalization!"]', "s")
    text = scenario.turns[0].steps[0]
    assert isinstance(text, Text)
    assert text.text == "Hello, wonderful world of internationalization!"
    assert text.pieces[:4] == ("Hello", ",", " wonderful", " world")
    assert max(len(p.strip()) for p in text.pieces) <= 10


@pytest.mark.parametrize(
    ("chunk", "pieces"),
    [("char", ("a", "b", " ", "c")), (2, ("ab", " c")), (["a", "b c"], ("a", "b c"))],
)
def test_chunk_chooses_how_text_is_split(chunk: object, pieces: tuple[str, ...]) -> None:
    scenario = scenario_from_text(f"turns: [{{text: 'ab c', chunk: {json.dumps(chunk)}}}]", "s")
    step = scenario.turns[0].steps[0]
    assert isinstance(step, Text)
    assert step.pieces == pieces


def test_faker_text_is_the_same_for_the_same_seed() -> None:
    yaml_text = "seed: 3\nturns: [{text: {faker: paragraph, nb_sentences: 4}}]"
    first = scenario_from_text(yaml_text, "s").turns[0].steps[0]
    again = scenario_from_text(yaml_text, "s").turns[0].steps[0]
    other = scenario_from_text(yaml_text.replace("seed: 3", "seed: 4"), "s").turns[0].steps[0]
    assert isinstance(first, Text)
    assert isinstance(other, Text)
    assert first == again
    assert first.text != other.text
    assert len(first.text.split()) > 10


def test_a_size_in_tokens_generates_that_many_pieces_of_prose() -> None:
    step = scenario_from_text("turns: [{text: {tokens: 300}}]", "s").turns[0].steps[0]
    assert isinstance(step, Text)
    assert 300 <= len(step.pieces) <= 420


def test_tool_arguments_may_be_a_json_string() -> None:
    call = scenario_from_text("""turns: [{tool_calls: [{name: f, arguments: '{"a": 1}'}]}]""", "s").turns[0].steps[0]
    assert isinstance(call, ToolCall)
    assert call.arguments == '{"a": 1}'
    assert "".join(call.fragments) == call.arguments
    assert len(call.fragments) > 1


def test_yaml_syntax_error_names_file_and_line() -> None:
    (problem,) = problems("turns:\n  - text: [unclosed\n")
    assert problem.startswith("s.yaml:3: invalid YAML: ")
    assert "expected ',' or ']'" in problem


def test_unknown_key_suggests_the_closest_known_one() -> None:
    (problem,) = problems("turns:\n  - text: hi\n    tool_call: []\n")
    assert problem.startswith("s.yaml:3: turns[0].tool_call: unknown key (did you mean 'tool_calls'?)")


def test_wrong_type_names_the_field_and_what_was_expected() -> None:
    (problem,) = problems("turns:\n  - tool_calls:\n      - name: f\n        arguments: [1, 2]\n")
    assert problem == (
        "s.yaml:4: turns[0].tool_calls[0].arguments: expected a mapping or a JSON object string, got a list"
    )


def test_bad_duration_is_reported_with_its_line() -> None:
    (problem,) = problems("timing:\n  ttft: soon\nturns: [hi]\n")
    assert problem == "s.yaml:2: timing.ttft: expected a duration like 250ms or 1.5s, got 'soon'"


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    found = problems("seed: x\ntiming: {jitter: 5}\nturns:\n  - stop: later\n")
    assert [p.split(":")[2].strip() for p in found] == ["seed", "timing.jitter", "turns[0].stop"]


def test_a_scenario_needs_turns() -> None:
    assert problems("description: nothing\n") == ["s.yaml:1: a scenario needs 'turns', a list of at least one turn"]


def test_unknown_fault_suggests_the_closest_name() -> None:
    (problem,) = problems("turns:\n  - steps:\n      - fault: disconect\n")
    assert problem == "s.yaml:3: turns[0].steps[0].fault: unknown fault 'disconect' (did you mean 'disconnect'?)"


def test_a_folder_reports_the_problems_of_all_its_files(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("turns: [hi]\n")
    (tmp_path / "bad.yaml").write_text("turns: 3\n")
    (tmp_path / "worse.yml").write_text("turns: [{text: {faker: exec}}]\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(tmp_path)
    assert [p.path.rsplit("/", 1)[-1] for p in caught.value.problems] == ["bad.yaml", "worse.yml"]
    assert "unknown Faker provider 'exec'" in str(caught.value)


def test_scenario_names_are_file_stems(tmp_path: Path) -> None:
    (tmp_path / "greeting.yaml").write_text("turns: [hi]\n")
    (tmp_path / "notes.txt").write_text("not a scenario")
    assert list(load_scenarios(tmp_path)) == ["greeting"]


def test_yaml_tags_that_build_python_objects_are_refused() -> None:
    (problem,) = problems("turns: !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in problem


def test_the_bundled_scenarios_are_valid() -> None:
    scenarios = load_scenarios(BUNDLED)
    assert {"default", "weather", "reasoning", "story", "parallel-tools"} <= set(scenarios)
