"""Anthropic Messages, `POST /v1/messages` (and `/v1/messages/count_tokens`).

Three parts: `request` checks a request and estimates its input tokens, `stream` renders a
script as named events and as the assembled message, and `errors` gives Anthropic's error
body and its retry and rate-limit headers. This module puts them together as the dialect.
"""

from __future__ import annotations

from mockserver.dialects.anthropic_messages.errors import error_headers, error_type, render_error
from mockserver.dialects.anthropic_messages.request import check_headers, count_tokens, parse_request
from mockserver.dialects.anthropic_messages.stream import PING, render_body, render_stream
from mockserver.dialects.base import Dialect

# Seconds of silence after which a stream sends `ping`, unless the turn sets its own interval.
KEEPALIVE_SECONDS = 5.0

DIALECT = Dialect(
    name="anthropic_messages",
    path="/v1/messages",
    request_id_header="request-id",
    parse_request=parse_request,
    render_stream=render_stream,
    render_body=render_body,
    render_error=render_error,
    keepalive=PING,
    default_keepalive=KEEPALIVE_SECONDS,
    check_headers=check_headers,
    json_endpoints=(("/v1/messages/count_tokens", count_tokens),),
    error_headers=error_headers,
)

__all__ = [
    "DIALECT",
    "KEEPALIVE_SECONDS",
    "PING",
    "check_headers",
    "count_tokens",
    "error_headers",
    "error_type",
    "parse_request",
    "render_body",
    "render_error",
    "render_stream",
]
