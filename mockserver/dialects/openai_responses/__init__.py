"""OpenAI Responses, `POST /v1/responses`: typed events over output items, and stored responses.

Three parts: `request` reads the input items and counts the assistant turns they replay,
`stream` renders a script as events and as the final response object, and this module puts
them together with the OpenAI error shape shared with Chat Completions. Responses are kept by
their id (`response_id`), so `previous_response_id` and `GET /v1/responses/{id}` find them.
"""

from __future__ import annotations

from mockserver.dialects.base import OPENAI_HEADERS, Dialect, openai_error_headers, render_openai_error
from mockserver.dialects.openai_responses.request import ResponsesOptions, parse_request
from mockserver.dialects.openai_responses.stream import render_body, render_stream, response_id

DIALECT = Dialect(
    name="openai_responses",
    path="/v1/responses",
    request_id_header="x-request-id",
    parse_request=parse_request,
    render_stream=render_stream,
    render_body=render_body,
    render_error=render_openai_error,
    keepalive=None,
    extra_headers=OPENAI_HEADERS,
    response_id=response_id,
    error_headers=openai_error_headers,
)

__all__ = [
    "DIALECT",
    "ResponsesOptions",
    "parse_request",
    "render_body",
    "render_stream",
    "response_id",
]
