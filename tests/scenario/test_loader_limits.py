"""Hostile scenario files: each is refused with `file:line: field`, quickly, whatever it holds."""

from __future__ import annotations

import re
import time

import pytest

from mockserver.errors import ScenarioError
from mockserver.scenario.loader import scenario_from_text


def problems(yaml_text: str) -> list[str]:
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(yaml_text, "s", "s.yaml")
    # Generous for a loaded CI machine; without the limits some of these ran for minutes.
    assert time.perf_counter() - started < 10
    return [str(p) for p in caught.value.problems]


# About 300 bytes of anchors under unused keys that stand for 9**9 values once `*i` is expanded.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    "use",
    [
        "turns: [{text: hi, stop: *i}]\n",
        "turns: [{tool_calls: [{name: f, arguments: {a: *i}}]}]\n",
        "description: *i\nturns: [hi]\n",
    ],
    ids=["stop", "arguments", "description"],
)
def test_an_alias_bomb_is_refused_at_the_alias_that_passes_the_limit(use: str) -> None:
    (problem,) = problems(ALIAS_BOMB + use)
    assert problem.startswith("s.yaml:")
    assert "holds more than 100000 values once its aliases are expanded" in problem


def test_aliases_within_the_limit_still_load() -> None:
    loaded = scenario_from_text("description: &g hi\nturns: [*g, *g]\n", "s")
    assert len(loaded.turns) == 2


def test_nesting_deeper_than_the_limit_names_its_line() -> None:
    deep = "turns:\n  - tool_calls:\n      - name: f\n        arguments: " + "{a: " * 100 + "1" + "}" * 100 + "\n"
    assert problems(deep) == ["s.yaml:4: the document is too large: nested more than 64 levels deep"]


def test_a_thousand_levels_of_nesting_is_a_problem_not_a_recursion_error() -> None:
    (problem,) = problems("turns:\n  - text: " + "[" * 1000 + "]" * 1000 + "\n")
    assert problem.startswith("s.yaml:2: ")


def test_an_integer_too_long_for_python_is_a_problem_on_its_line() -> None:
    assert problems("turns: [hi]\nseed: " + "9" * 4301 + "\n") == [
        "s.yaml:2: invalid YAML: a number of 4301 digits is too large for any setting"
    ]


def test_a_ten_megabyte_flow_list_is_refused_by_size() -> None:
    (problem,) = problems("turns: [" + "x, " * 3_500_000 + "x]\n")
    assert problem == "s.yaml: the document is 10500011 characters long; the limit is 4194304"


def test_a_long_flow_list_under_the_size_limit_is_refused_by_its_count() -> None:
    (problem,) = problems("turns: [" + "x, " * 200_000 + "x]\n")
    assert problem == "s.yaml:1: the document is too large: holds more than 100000 values once its aliases are expanded"


@pytest.mark.parametrize("character", ["\x01", "\x07", "\x1b"])
def test_a_control_character_is_reported_on_its_line(character: str) -> None:
    (problem,) = problems(f"turns:\n  - hi\n  - text: a{character}b\n")
    assert problem == f"s.yaml:3: invalid YAML: control characters are not allowed (U+{ord(character):04X})"


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "turns:\n  - text: {faker: [a]}\n",
            "s.yaml:2: turns[0].text.faker: unknown Faker provider a list",
        ),
        (
            "turns:\n  - text: {faker: sentence, ext_word_list: []}\n",
            "s.yaml:2: turns[0].text.ext_word_list: expected a count, a string, true/false or a non-empty list"
            " of words, got an empty list",
        ),
        (
            "turns:\n  - text: {faker: sentence, nb_words: 100000000}\n",
            "s.yaml:2: turns[0].text.nb_words: expected a number <= 10000, got 100000000",
        ),
        (
            "turns:\n  - text: {faker: sentence, nb_words: {}}\n",
            "s.yaml:2: turns[0].text.nb_words: expected a count, a string, true/false or a non-empty list"
            " of words, got a mapping",
        ),
        (
            "turns:\n  - text: {faker: words, nb: 3, ext_word_list: [a], unique: true}\n",
            "s.yaml:2: turns[0].text: Faker words rejected its arguments:",
        ),
        (
            "turns:\n  - text: {tokens: 100000000}\n",
            "s.yaml:2: turns[0].text.tokens: expected a number <= 100000, got 100000000",
        ),
    ],
    ids=["provider-list", "empty-word-list", "huge-count", "count-mapping", "faker-refuses", "huge-tokens"],
)
def test_generated_text_with_bad_arguments_is_a_located_problem(yaml_text: str, expected: str) -> None:
    (problem,) = problems(yaml_text)
    assert problem.startswith(expected)


NUMBERS = [
    ("turns: [{steps: [{text: a}, {pause: .nan}]}]", "turns[0].steps[1].pause: a duration cannot be negative"),
    ("turns: [{steps: [{text: a}, {pause: .inf}]}]", "turns[0].steps[1].pause: a duration may be at most a day"),
    ("turns: [{steps: [{text: a}, {pause: 1.0e+8}]}]", "turns[0].steps[1].pause: a duration may be at most a day"),
    ("turns: [{steps: [{text: a}, {pause: 1.0e+308}]}]", "turns[0].steps[1].pause: a duration may be at most a day"),
    ("timing: {ttft: .inf}\nturns: [a]", "timing.ttft: a duration may be at most a day"),
    ("timing: {tokens_per_second: 1.0e-320}\nturns: [a]", "timing.tokens_per_second: expected a number from 0.01"),
    ("timing: {tokens_per_second: .inf}\nturns: [a]", "timing.tokens_per_second: expected a number from 0.01"),
    ("timing: {tokens_per_second: .nan}\nturns: [a]", "timing.tokens_per_second: expected a number from 0.01"),
    ("timing: {jitter: .nan}\nturns: [a]", "timing.jitter: expected a fraction between 0 and 1, got nan"),
    ("chaos: {rate: .nan}\nturns: [a]", "chaos.rate: expected a fraction between 0 and 1, got nan"),
    ("turns: [{text: a, keepalive: 1.0e-320}]", "turns[0].keepalive: expected at least 1ms"),
    ("turns: [{text: a, headers_delay: .inf}]", "turns[0].headers_delay: a duration may be at most a day"),
    ("turns: [{http_error: {status: 429, retry_after: .inf}}]", "turns[0].http_error.retry_after: a duration may"),
    ("turns: [{steps: [{fault: {stall: .inf}}]}]", "turns[0].steps[0].fault.stall: a duration may be at most a day"),
    ("turns: [{steps: [{fault: {duplicate: 1000000000}}]}]", "turns[0].steps[0].fault.duplicate: expected a number <="),
    ("turns: [{text: a, usage: {output_tokens: 1.0e+300}}]", "turns[0].usage.output_tokens: expected a whole number"),
    ("turns: [{text: a, usage: {output_tokens: 10000000000000000}}]", "turns[0].usage.output_tokens: expected a nu"),
]


@pytest.mark.parametrize(("yaml_text", "expected"), NUMBERS, ids=[text for text, _ in NUMBERS])
def test_a_number_that_is_not_finite_or_not_sane_is_a_located_problem(yaml_text: str, expected: str) -> None:
    (problem,) = problems(yaml_text + "\n")
    assert re.match(r"s\.yaml:\d+: ", problem), problem
    assert expected in problem
