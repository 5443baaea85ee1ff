"""OpenAI Responses, `POST /v1/responses`: typed events over output items, and stored responses.

Three parts: `request` reads the input items and counts the assistant turns they replay,
`stream` renders a script as events and as the final response object, and this module puts
them together with the API's error shape. Responses are kept by their id (`response_id`), so
`previous_response_id` and `GET /v1/responses/{id}` find them.
"""

from __future__ import annotations

from mockserver.dialects.base import Dialect, openai_error_headers
from mockserver.dialects.openai_responses.request import ResponsesOptions, parse_request
from mockserver.dialects.openai_responses.stream import render_body, render_stream, response_id
from mockserver.errors import RequestError
from mockserver.types import JSONObject

ERROR_TYPES = {408: "timeout", 429: "rate_limit_exceeded"}


def render_error(error: RequestError) -> JSONObject:
    kind = error.kind
    if kind == "invalid_request_error" and error.status >= 500:
        kind = "server_error"
    elif kind == "invalid_request_error":
        kind = ERROR_TYPES.get(error.status, kind)
    return {"error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}}


DIALECT = Dialect(
    name="openai_responses",
    path="/v1/responses",
    request_id_header="x-request-id",
    parse_request=parse_request,
    render_stream=render_stream,
    render_body=render_body,
    render_error=render_error,
    keepalive=None,
    extra_headers=(("openai-version", "2020-10-01"), ("openai-processing-ms", "1")),
    response_id=response_id,
    error_headers=openai_error_headers,
)

__all__ = [
    "DIALECT",
    "ResponsesOptions",
    "parse_request",
    "render_body",
    "render_error",
    "render_stream",
    "response_id",
]
