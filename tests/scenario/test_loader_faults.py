"""The fault catalogue as YAML: every form a scenario may write, and a clear message for each mistake."""

from __future__ import annotations

import textwrap

import pytest

from mockserver.errors import ScenarioError
from mockserver.scenario import scenario_from_text
from mockserver.scenario.loader import chaos_from_text
from mockserver.scenario.model import (
    Chaos,
    Disconnect,
    Duplicate,
    Fault,
    HttpError,
    InvalidJson,
    Malformed,
    Reorder,
    Reset,
    Scenario,
    Shaping,
    Stall,
    StreamError,
    Truncate,
)


def load(yaml_text: str) -> Scenario:
    return scenario_from_text(textwrap.dedent(yaml_text), "s", "s.yaml")


def problems(yaml_text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load(yaml_text)
    return [str(p) for p in caught.value.problems]


def step_fault(text: str) -> Fault:
    (fault,) = load(f"turns:\n  - steps:\n      - fault: {text}\n").turns[0].steps
    assert not isinstance(fault, str)
    return fault  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("disconnect", Disconnect()),
        ("{disconnect: graceful}", Disconnect(graceful=True)),
        ("reset", Reset()),
        ("{truncate: 10}", Truncate(bytes=10)),
        ("{stall: 30s}", Stall(seconds=30.0)),
        ("stall", Stall(seconds=3600.0)),
        ("{stall: 30s, keepalive: 5s}", Stall(seconds=30.0, keepalive=5.0)),
        ('{malformed: "data: {oops\\n\\n"}', Malformed(data=b"data: {oops\n\n")),
        ("invalid_json", InvalidJson()),
        ("{error: overloaded}", StreamError(error="overloaded")),
        ("{error: rate_limit, message: slow down}", StreamError(error="rate_limit", message="slow down")),
        ("duplicate", Duplicate(count=1)),
        ("{duplicate: 3}", Duplicate(count=3)),
        ("reorder", Reorder(count=2)),
    ],
)
def test_every_fault_form_loads_to_its_model(text: str, fault: Fault) -> None:
    assert step_fault(text) == fault


def test_http_error_takes_a_status_alone_or_with_details() -> None:
    turns = load("""
        turns:
          - text: hi
            http_error: 503
          - text: hi
            http_error: {status: 429, retry_after: 2, message: slow down, type: requests, should_retry: false}
        """).turns
    assert turns[0].http_error == HttpError(status=503)
    assert turns[1].http_error == HttpError(
        status=429, retry_after=2.0, message="slow down", kind="requests", should_retry=False
    )


def test_fail_first_is_a_list_of_errors_in_order() -> None:
    (turn,) = load("turns:\n  - text: hi\n    fail_first: [{status: 429, retry_after: 0.2}, {status: 529}]\n").turns
    assert turn.fail_first == (HttpError(status=429, retry_after=0.2), HttpError(status=529))


def test_shaping_keys_load_for_the_whole_turn() -> None:
    (turn,) = load("""
        turns:
          - text: hi
            write: {bytes: 3}
            line_endings: crlf
            keepalive: 5s
            headers_delay: 2s
        """).turns
    assert turn.shaping == Shaping(write_bytes=3, crlf=True, keepalive=5.0, headers_delay=2.0)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "turns:\n  - steps:\n      - fault: {stall: 10s, keepalive: 0s}\n",
            "s.yaml:3: turns[0].steps[0].fault.keepalive: expected a duration above zero, such as 5s",
        ),
        (
            "turns:\n  - text: hi\n    keepalive: 0\n",
            "s.yaml:3: turns[0].keepalive: expected a duration above zero, such as 5s",
        ),
        (
            "turns:\n  - steps:\n      - fault: {truncate: -1}\n",
            "s.yaml:3: turns[0].steps[0].fault.truncate: expected a number >= 0, got -1",
        ),
        (
            "turns:\n  - steps:\n      - fault: {reset: 1, keepalive: 1s}\n",
            "s.yaml:3: turns[0].steps[0].fault.keepalive: unknown option for fault reset",
        ),
        (
            "turns:\n  - steps:\n      - fault: {disconnect: softly}\n",
            "s.yaml:3: turns[0].steps[0].fault.disconnect: expected graceful "
            "(end the HTTP body, leave out only the stream's terminator)",
        ),
        (
            "turns:\n  - text: hi\n    http_error: 418\n",
            "s.yaml:3: turns[0].http_error: unsupported status 418 (expected one of: "
            "400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529)",
        ),
        (
            "turns:\n  - text: hi\n    http_error: {status: 429, should_retry: maybe}\n",
            "s.yaml:3: turns[0].http_error.should_retry: expected true or false, got a string",
        ),
    ],
)
def test_a_fault_mistake_names_the_field_and_the_fix(yaml_text: str, message: str) -> None:
    assert problems(yaml_text) == [message]


def test_scenario_chaos_lists_faults_and_http_errors() -> None:
    chaos = load("""
        chaos: {seed: 1, rate: 0.2, faults: [disconnect, {stall: 2s}, invalid_json, {http_error: 503}]}
        turns: [hi]
        """).chaos
    assert chaos == Chaos(
        seed=1, rate=0.2, faults=(Disconnect(), Stall(seconds=2.0), InvalidJson(), HttpError(status=503))
    )


def test_cli_chaos_spec_uses_key_value_pairs_and_plus_separated_faults() -> None:
    assert chaos_from_text("rate=0.5,seed=7,faults=reset+503+stall") == Chaos(
        seed=7, rate=0.5, faults=(Reset(), HttpError(status=503), Stall(seconds=3600.0))
    )


def test_cli_chaos_spec_without_faults_uses_the_default_mix() -> None:
    chaos = chaos_from_text("rate=0.2,seed=1")
    assert {type(f) for f in chaos.faults} == {Disconnect, Reset, InvalidJson, StreamError, HttpError}


def test_cli_chaos_spec_may_be_yaml_like_a_scenario_chaos() -> None:
    assert chaos_from_text("{rate: 1, faults: [{truncate: 4}]}") == Chaos(seed=0, rate=1.0, faults=(Truncate(bytes=4),))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate=2", "--chaos:1: rate: expected a fraction between 0 and 1, got 2.0"),
        ("rate=0.1,sed=1", "--chaos:1: sed: unknown key (did you mean 'seed'?)"),
        ("faults=discnnect", "--chaos:1: faults[0]: unknown fault 'discnnect' (did you mean 'disconnect'?)"),
        ("often", "--chaos: often: expected key=value, such as rate=0.2 or seed=1"),
    ],
)
def test_a_bad_chaos_spec_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        chaos_from_text(spec)
    assert [str(p) for p in caught.value.problems] == [message]
