"""The fault catalogue as written in scenario files: mid-stream faults, HTTP errors, turn-level
transport shaping, and chaos, each read from YAML into the typed model."""

from __future__ import annotations

from mockserver.scenario.cursor import Cursor, type_name
from mockserver.scenario.model import (
    FAULT_NAMES,
    Chaos,
    Disconnect,
    Duplicate,
    Fault,
    HttpError,
    InvalidJson,
    Malformed,
    Reorder,
    Reset,
    Shaping,
    Stall,
    StreamError,
    Truncate,
)
from mockserver.scenario.readers import read_bool, read_duration, read_fraction, read_int, read_interval, read_string

HTTP_ERROR_KEYS = frozenset({"status", "retry_after", "message", "type", "should_retry"})
CHAOS_KEYS = frozenset({"seed", "rate", "faults"})
# Each duplicated frame is a copy in memory; a reorder window beyond this is the whole stream anyway.
MAX_COPIES = 1_000
HTTP_ERROR_STATUSES = frozenset({400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529})


def read_fault(c: Cursor) -> Fault | None:
    """`fault: disconnect` or `fault: {truncate: 10}` / `{stall: 30s, keepalive: 5s}` / `{error: overloaded}`."""
    value = c.value
    if isinstance(value, str):
        kind, main, extras = value, None, {}
    elif isinstance(value, dict) and value:
        kinds = [k for k in value if k in FAULT_NAMES]
        if len(kinds) != 1:
            c.problem(f"expected exactly one fault name among: {', '.join(FAULT_NAMES)}")
            return None
        kind = str(kinds[0])
        main = c.child(kind)
        extras = {str(k): c.child(str(k)) for k in value if k != kind}
    else:
        c.problem(f"expected a fault name or a mapping, got {type_name(value)}")
        return None
    if kind not in FAULT_NAMES:
        import difflib

        hint = difflib.get_close_matches(kind, list(FAULT_NAMES), n=1)
        c.problem(f"unknown fault {kind!r}" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        return None
    allowed = {"stall": {"keepalive"}, "error": {"message"}}.get(kind, set())
    for key, extra in extras.items():
        if key not in allowed:
            extra.problem(f"unknown option for fault {kind}")
    match kind:
        case "disconnect":
            if main is not None and main.value != "graceful":
                main.problem("expected graceful (end the HTTP body, leave out only the stream's terminator)")
            return Disconnect(graceful=main is not None and main.value == "graceful")
        case "reset":
            return Reset()
        case "invalid_json":
            return InvalidJson()
        case "truncate":
            size = None if main is None else read_int(main)
            if main is None:
                c.problem("truncate needs a byte count, e.g. {truncate: 10}")
            return None if size is None else Truncate(bytes=size)
        case "stall":
            seconds = 3600.0 if main is None else read_duration(main)
            keepalive = read_interval(extras["keepalive"]) if "keepalive" in extras else None
            return None if seconds is None else Stall(seconds=seconds, keepalive=keepalive)
        case "malformed":
            data = None if main is None else read_string(main)
            if main is None:
                c.problem('malformed needs the raw text to send, e.g. {malformed: "data: {oops"}')
            return None if data is None else Malformed(data=data.encode("utf-8"))
        case "error":
            error = "api_error" if main is None else read_string(main)
            message = read_string(extras["message"]) if "message" in extras else None
            return None if error is None else StreamError(error=error, message=message)
        case "duplicate":
            count = 1 if main is None else read_int(main, minimum=1, maximum=MAX_COPIES)
            return None if count is None else Duplicate(count=count)
        case "reorder":
            count = 2 if main is None else read_int(main, minimum=2, maximum=MAX_COPIES)
            return None if count is None else Reorder(count=count)
        case _:
            return None


def read_http_error(c: Cursor) -> HttpError | None:
    """`{status: 429, retry_after: 2}`, or just the status number."""
    if isinstance(c.value, int) and not isinstance(c.value, bool):
        status_c, fields = c, None
    elif c.mapping(HTTP_ERROR_KEYS):
        if not c.has("status"):
            c.problem("an http_error needs a 'status'")
            return None
        status_c, fields = c.child("status"), c
    else:
        return None
    status = read_int(status_c, minimum=400)
    if status is not None and status not in HTTP_ERROR_STATUSES:
        status_c.problem(
            f"unsupported status {status} (expected one of: {', '.join(map(str, sorted(HTTP_ERROR_STATUSES)))})"
        )
        return None
    if status is None:
        return None
    retry_after = message = kind = should_retry = None
    if fields is not None:
        if fields.has("retry_after"):
            retry_after = read_duration(fields.child("retry_after"))
        if fields.has("message"):
            message = read_string(fields.child("message"))
        if fields.has("type"):
            kind = read_string(fields.child("type"))
        if fields.has("should_retry"):
            should_retry = read_bool(fields.child("should_retry"))
    return HttpError(status=status, retry_after=retry_after, message=message, kind=kind, should_retry=should_retry)


def read_shaping(c: Cursor) -> Shaping:
    write_bytes = None
    if c.has("write"):
        write_c = c.child("write")
        if write_c.mapping(frozenset({"bytes"})) and write_c.has("bytes"):
            write_bytes = read_int(write_c.child("bytes"), minimum=1)
    crlf = False
    if c.has("line_endings"):
        value = c.child("line_endings").value
        if value not in ("lf", "crlf"):
            c.child("line_endings").problem("expected lf or crlf")
        crlf = value == "crlf"
    return Shaping(
        write_bytes=write_bytes,
        crlf=crlf,
        keepalive=read_interval(c.child("keepalive")) if c.has("keepalive") else None,
        headers_delay=(read_duration(c.child("headers_delay")) or 0.0) if c.has("headers_delay") else 0.0,
    )


def read_chaos(c: Cursor, seed: int) -> Chaos | None:
    if not c.mapping(CHAOS_KEYS):
        return None
    rate = read_fraction(c.child("rate")) if c.has("rate") else 0.1
    chaos_seed = read_int(c.child("seed")) if c.has("seed") else seed
    faults: list[Fault | HttpError] = []
    faults_c = c.child("faults")
    if c.has("faults") and not isinstance(faults_c.value, list):
        faults_c.problem(f"expected a list of faults, got {type_name(faults_c.value)}")
    for item in faults_c.items():
        if isinstance(item.value, dict) and "http_error" in item.value:
            error = read_http_error(item.child("http_error"))
            if error is not None:
                faults.append(error)
        else:
            fault = read_fault(item)
            if fault is not None:
                faults.append(fault)
    if not c.has("faults"):
        faults = [Disconnect(), Reset(), InvalidJson(), StreamError(error="overloaded"), HttpError(status=503)]
    return Chaos(seed=chaos_seed or 0, rate=min(rate or 0.0, 1.0), faults=tuple(faults))
