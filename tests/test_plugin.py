"""The pytest plugin as a user meets it: generated test files run by pytester, strict markers on."""

from __future__ import annotations

import textwrap

import pytest

PLUGIN = "mockserver.pytest_plugin"
STRICT = ("-p", "no:cacheprovider", "--strict-markers", "-W", "error")

SDK_TESTS = """
import anthropic
import openai
import pytest

USER = [{"role": "user", "content": "What is the weather in Tokyo?"}]


def client(mock_llm):
    return openai.OpenAI(
        base_url=mock_llm.openai_base_url, api_key="k", max_retries=0, _strict_response_validation=True
    )


def test_stream_from_an_inline_scenario(mock_llm):
    mock_llm.use('turns: ["Hello there, how are you?"]')
    with client(mock_llm) as sdk:
        chunks = list(sdk.chat.completions.create(model="gpt-4o", messages=USER, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello there, how are you?"
    mock_llm.assert_called(1, dialect="openai_chat", status=200)


@pytest.mark.mock_llm(scenario="weather", speed=100)
def test_agent_loop_from_the_folder_scenario(mock_llm):
    with client(mock_llm) as sdk:
        first = sdk.chat.completions.create(model="gpt-4o", messages=USER)
        call = first.choices[0].message.tool_calls[0]
        messages = [
            *USER,
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "21 C"},
        ]
        second = sdk.chat.completions.create(model="gpt-4o", messages=messages)
    assert second.choices[0].message.content == "It is 21 °C and sunny in Tokyo."
    assert [c.turn for c in mock_llm.requests] == [0, 1]


def test_anthropic_message_on_the_same_fixture(mock_llm):
    mock_llm.use('turns: [{reasoning: "Brief.", text: "Paris."}]')
    with anthropic.Anthropic(
        base_url=mock_llm.base_url, api_key="k", max_retries=0, _strict_response_validation=True
    ) as sdk:
        with sdk.messages.stream(model="claude-haiku-4-5", max_tokens=64, messages=USER) as stream:
            message = stream.get_final_message()
    assert [block.type for block in message.content] == ["thinking", "text"]
    assert mock_llm.last.dialect == "anthropic_messages"


def test_responses_on_the_same_fixture(mock_llm):
    mock_llm.use('turns: ["Hello from Responses."]')
    with client(mock_llm) as sdk:
        with sdk.responses.stream(model="gpt-5", input="Hi") as stream:
            response = stream.get_final_response()
    assert response.output_text == "Hello from Responses."
    assert mock_llm.last.dialect == "openai_responses"


def test_a_new_test_starts_with_an_empty_journal(mock_llm):
    assert len(mock_llm.requests) == 0
"""


def test_a_file_using_only_the_fixture_and_the_sdk_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SDK_TESTS)
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=5)


def test_async_tests_use_the_fixture_the_same_way(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai
        import pytest

        @pytest.mark.anyio
        @pytest.mark.mock_llm(scenario='turns: ["async hello"]')
        async def test_async_client(mock_llm):
            async with openai.AsyncOpenAI(base_url=mock_llm.openai_base_url, api_key="k", max_retries=0) as sdk:
                stream = await sdk.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True
                )
                text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert text == "async hello"
            assert mock_llm.last.completed
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=1)


def test_xdist_workers_each_run_their_own_server(pytester: pytest.Pytester) -> None:
    """Twelve tests, each with its own scenario and three requests, on two workers: each sees only its own."""
    pytester.makepyfile(
        """
        import os
        import httpx
        import pytest

        @pytest.fixture(scope="module")
        def http():
            with httpx.Client() as client:
                yield client

        @pytest.mark.parametrize("n", range(12))
        def test_own_scenario(mock_llm, mock_llm_server, http, n):
            mock_llm.use({"turns": [f"answer {n}"]})
            body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "q"}]}
            for _ in range(3):
                reply = http.post(mock_llm.openai_base_url + "/chat/completions", json=body).json()
                assert reply["choices"][0]["message"]["content"] == f"answer {n}"
            assert [c.scenario for c in mock_llm.requests] == ["inline"] * 3
            print("worker", os.environ["PYTEST_XDIST_WORKER"], "port", mock_llm_server.port)
        """
    )
    result = pytester.runpytest(*STRICT, "-p", "xdist", "-n", "2", "-rA")
    result.assert_outcomes(passed=12)
    reports = [line.split() for line in result.outlines if line.startswith("worker ")]
    assert len({worker for _, worker, _, _ in reports}) == 2
    assert len({port for _, _, _, port in reports}) == 2


def test_marker_is_registered_for_strict_markers(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*STRICT, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mock_llm(scenario=None, speed=None)*"])


def test_marker_with_an_unknown_option_fails_the_test_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mock_llm(scenaro="weather")
        def test_typo(mock_llm):
            pass
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*Failed: @pytest.mark.mock_llm got unknown option(s)*scenaro*it takes scenario and speed"]
    )


@pytest.mark.parametrize("where", ["ini", "option"])
def test_scenario_folder_comes_from_the_ini_file_or_the_command_line(pytester: pytest.Pytester, where: str) -> None:
    pytester.mkdir("llm")
    pytester.path.joinpath("llm", "only_here.yaml").write_text('turns: ["from my folder"]\n')
    args: tuple[str, ...] = ()
    if where == "ini":
        pytester.makeini("[pytest]\nmock_llm_scenarios = llm\n")
    else:
        args = ("--mock-llm-scenarios", "llm")
    pytester.makepyfile(
        """
        def test_folder(mock_llm):
            assert sorted(mock_llm.server.scenarios) == ["only_here"]
            mock_llm.use("only_here")
        """
    )
    result = pytester.runpytest(*STRICT, *args)
    result.assert_outcomes(passed=1)


def test_speed_option_applies_to_every_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_speed(mock_llm):
            assert mock_llm.speed == 20.0
        """
    )
    result = pytester.runpytest(*STRICT, "--mock-llm-speed", "20")
    result.assert_outcomes(passed=1)


def test_an_error_inside_the_server_fails_the_test_that_caused_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_breaks_the_server(mock_llm, monkeypatch):
            def broken(*args):
                raise RuntimeError("renderer exploded")

            monkeypatch.setattr("mockserver.endpoint.DialectEndpoint.decide", broken)
            mock_llm.use('turns: ["x"]')
            body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
            assert httpx.post(mock_llm.openai_base_url + "/chat/completions", json=body).status_code == 500

        def test_next_test_is_unaffected(mock_llm):
            assert len(mock_llm.requests) == 0
        """
    )
    result = pytester.runpytest(*STRICT, "-p", "no:logging")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_breaks_the_server*", "*RuntimeError: renderer exploded"])


def test_failed_assert_called_lists_what_was_received(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import httpx

            def test_wrong_expectation(mock_llm):
                mock_llm.use('turns: ["x"]')
                body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}
                httpx.post(mock_llm.openai_base_url + "/chat/completions", json=body)
                mock_llm.assert_called(model="gpt-5")
            """
        )
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: expected at least one request with model='gpt-5', found 0; received 1:",
            "E*1. POST /v1/chat/completions dialect=openai_chat model=gpt-4o scenario=inline turn=0 status=200",
        ]
    )


def test_a_speed_that_is_not_a_positive_number_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmock_llm_speed = fast\n")
    pytester.makepyfile("def test_speed(mock_llm):\n    pass\n")
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mock_llm speed must be a number greater than 0, such as 10 or 0.5; got 'fast'"])


def test_the_entry_point_registers_the_plugin_once(pytestconfig: pytest.Config) -> None:
    plugins = [p for p in pytestconfig.pluginmanager.get_plugins() if getattr(p, "__name__", "") == PLUGIN]
    assert len(plugins) == 1
    assert pytestconfig.pluginmanager.get_plugin("mock_llm") is plugins[0]


@pytest.mark.parametrize("where", ["ini", "option"])
def test_the_journal_bounds_come_from_the_ini_file_or_the_command_line(pytester: pytest.Pytester, where: str) -> None:
    args: tuple[str, ...] = ()
    if where == "ini":
        pytester.makeini("[pytest]\nmock_llm_journal_max_bytes = 64KB\nmock_llm_journal_max_requests = 3\n")
    else:
        args = ("--mock-llm-journal-max-bytes", "64KB", "--mock-llm-journal-max-requests", "3")
    pytester.makepyfile(
        """
        import httpx

        def test_bounded(mock_llm):
            mock_llm.use('turns: ["ok"]')
            for size in (10, 10, 10, 10, 100_000):
                body = {"model": "m", "messages": [{"role": "user", "content": "x" * size}]}
                httpx.post(mock_llm.openai_base_url + "/chat/completions", json=body).raise_for_status()
            assert (len(mock_llm.requests), mock_llm.requests.evicted) == (1, 4)
        """
    )
    result = pytester.runpytest(*STRICT, *args)
    result.assert_outcomes(passed=1)


def test_a_journal_bound_that_is_not_a_size_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_any(mock_llm):\n    pass\n")
    result = pytester.runpytest(*STRICT, "--mock-llm-journal-max-bytes", "lots")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--mock-llm-journal-max-bytes (ini mock_llm_journal_max_bytes) must be at least 1*"])
