"""The headers of an HTTP error answer: what steers the SDKs' retries, as each API sends it."""

from __future__ import annotations

import pytest

from mockserver.dialects.base import openai_error_headers, retry_headers, seconds_text
from mockserver.scenario.model import HttpError


def test_openai_429_sends_both_retry_hints_and_an_exhausted_request_budget() -> None:
    assert openai_error_headers(HttpError(status=429, retry_after=2)) == (
        ("retry-after", "2"),
        ("retry-after-ms", "2000"),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-remaining-requests", "0"),
        ("x-ratelimit-reset-requests", "2s"),
        ("x-ratelimit-limit-tokens", "30000000"),
        ("x-ratelimit-remaining-tokens", "29999000"),
        ("x-ratelimit-reset-tokens", "2ms"),
    )


@pytest.mark.parametrize(("seconds", "reset"), [(0.2, "200ms"), (20, "20s"), (90, "1m30s"), (360, "6m0s")])
def test_openai_writes_reset_times_as_go_durations(seconds: float, reset: str) -> None:
    headers = dict(openai_error_headers(HttpError(status=429, retry_after=seconds)))
    assert headers["x-ratelimit-reset-requests"] == reset


def test_openai_server_errors_carry_no_rate_limit_headers() -> None:
    assert openai_error_headers(HttpError(status=503, retry_after=1)) == (
        ("retry-after", "1"),
        ("retry-after-ms", "1000"),
    )


def test_should_retry_is_sent_only_when_the_scenario_says_so() -> None:
    assert retry_headers(HttpError(status=500)) == ()
    assert retry_headers(HttpError(status=500, should_retry=False)) == (("x-should-retry", "false"),)


@pytest.mark.parametrize(("seconds", "text"), [(2.0, "2"), (0.2, "0.2"), (1.5, "1.5"), (120, "120")])
def test_retry_after_is_whole_seconds_unless_a_scenario_asks_for_less(seconds: float, text: str) -> None:
    assert seconds_text(seconds) == text


def test_anthropic_429_sends_retry_after_and_the_ratelimit_family_with_rfc3339_resets() -> None:
    from mockserver.dialects.anthropic_messages import error_headers

    headers = dict(error_headers(HttpError(status=429, retry_after=20), 1_767_225_600.0))
    assert headers["retry-after"] == "20"
    assert headers["x-should-retry"] == "true"
    assert headers["anthropic-ratelimit-requests-limit"] == "50"
    assert headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert headers["anthropic-ratelimit-requests-reset"] == "2026-01-01T00:00:20Z"
    assert headers["anthropic-ratelimit-output-tokens-reset"] == "2026-01-01T00:00:20Z"


@pytest.mark.parametrize(
    ("status", "expected"), [(529, "true"), (500, "true"), (408, "true"), (400, None), (404, None)]
)
def test_anthropic_marks_the_errors_it_wants_retried(status: int, expected: str | None) -> None:
    from mockserver.dialects.anthropic_messages import error_headers

    assert dict(error_headers(HttpError(status=status), 0.0)).get("x-should-retry") == expected


def test_anthropic_honours_a_scenario_that_forbids_the_retry() -> None:
    from mockserver.dialects.anthropic_messages import error_headers

    assert dict(error_headers(HttpError(status=529, should_retry=False), 0.0))["x-should-retry"] == "false"
