"""Client mistakes get the OpenAI error body and a 4xx that says what to fix; never a 500."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.conftest import Clients, ServeFn

USER = [{"role": "user", "content": "hi"}]


def post(server_url: str, content: bytes, method: str = "POST") -> httpx.Response:
    return httpx.request(method, f"{server_url}/chat/completions", content=content, timeout=10)


def test_invalid_json_is_a_400_invalid_request_error(serve: ServeFn) -> None:
    response = post(serve('turns: ["hi"]').openai_base_url, b'{"model": ')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "could not parse the JSON body" in error["message"]


def test_a_get_is_a_405_in_the_openai_shape(serve: ServeFn) -> None:
    response = post(serve('turns: ["hi"]').openai_base_url, b"", method="GET")
    assert response.status_code == 405
    assert "send a POST" in response.json()["error"]["message"]


def test_unknown_path_is_a_404_in_the_openai_shape(serve: ServeFn) -> None:
    response = httpx.post(f"{serve('turns: [hi]').openai_base_url}/completions/legacy", json={}, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_url"


@pytest.mark.parametrize(
    "content",
    [
        b"[]",
        b'"text"',
        b"null",
        b'{"model": null, "messages": []}',
        b'{"model": "m", "messages": [null]}',
        b'{"model": "m", "messages": [{"role": "robot", "content": "x"}]}',
        b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}',
        b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": true, "stream_options": 5}',
        b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": true}}',
        b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": "two"}',
        b"\xff\xfe not utf-8",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=lambda c: c[:40].decode("utf-8", "replace"),
)
def test_malformed_bodies_get_a_400_never_a_500(serve: ServeFn, content: bytes) -> None:
    response = post(serve('turns: ["hi"]').openai_base_url, content)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"]


def test_the_sdk_surfaces_a_bad_role_as_bad_request_naming_the_field(serve: ServeFn, clients: Clients) -> None:
    server = serve('turns: ["hi"]')
    with pytest.raises(openai.BadRequestError) as caught:
        clients.openai(server).chat.completions.create(
            model="m",
            messages=[{"role": "robot", "content": "x"}],  # type: ignore[list-item, misc]
        )
    assert caught.value.param == "messages[0].role"
    assert caught.value.request_id is not None


def test_content_as_a_list_of_parts_is_understood(serve: ServeFn, clients: Clients) -> None:
    server = serve(
        'match: {prompt: "weather"}\nturns: ["sunny"]',
    )
    server.set_scenarios({"w": server.app.state.scenarios["default"]})
    completion = clients.openai(server).chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": [{"type": "text", "text": "What's the weather?"}]}],
    )
    assert completion.choices[0].message.content == "sunny"
