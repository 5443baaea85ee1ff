"""Filling a group from its template gives exactly the bytes that replacing its markers gives."""

from __future__ import annotations

import string
from collections.abc import Callable

from mockserver.compiled import CompiledStream, Filler, TurnCache
from mockserver.dialects import DIALECTS
from mockserver.endpoint import new_nonce
from mockserver.template import Template
from tests.conftest import scenario

PACED = """
timing: {tokens_per_second: 10}
turns:
  - text: "100% of the answer, with % signs and a ünïcode word"
"""


def filler(model: str = "gpt-%s") -> Filler:
    return Filler(nonce="N" * 24, model=model, created=1_700_000_000, input_tokens=7, total_tokens=19)


def filled(stream: CompiledStream, fill: Callable[[bytes], bytes]) -> list[bytes]:
    return [stream.filled_group(i, fill) for i in range(len(stream.groups))]


def test_filled_groups_match_replacing_markers_group_by_group() -> None:
    stream = TurnCache().stream(scenario(PACED), 0, DIALECTS[0], None)
    fill = filler()
    assert len(stream.templates) == len(stream.groups)
    assert filled(stream, fill) == [fill(data) for _, data, _ in stream.groups]


def test_percent_signs_in_the_text_and_the_model_survive_the_fill() -> None:
    one_piece = """
    turns:
      - text: "100% done"
        chunk: ["100% done"]
    """
    stream = TurnCache().stream(scenario(one_piece), 0, DIALECTS[0], None)
    joined = b"".join(filled(stream, filler()))
    assert b'"content":"100% done"' in joined
    assert b'"model":"gpt-%s"' in joined


def test_a_plain_callable_still_fills_each_group() -> None:
    stream = TurnCache().stream(scenario(PACED), 0, DIALECTS[0], None)
    assert filled(stream, lambda data: data.upper()) == [data.upper() for _, data, _ in stream.groups]


def test_nonces_are_24_letters_or_digits_and_differ() -> None:
    nonces = {new_nonce() for _ in range(100)}
    assert len(nonces) == 100
    assert all(len(n) == 24 and set(n) <= set(string.ascii_letters + string.digits) for n in nonces)


def test_the_id_time_and_model_of_every_chunk_are_one_run_filled_once() -> None:
    unpaced = 'turns: ["one two three four five six seven eight"]'
    stream = TurnCache().stream(scenario(unpaced), 0, DIALECTS[0], None)
    (template,) = stream.templates
    assert len(template.runs) == 1
    assert len(template.order) == stream.groups[0][1].count(b"data: {")


def test_a_template_fills_markers_anywhere_in_any_order() -> None:
    template = Template.of(b"a%b <1> c <2><1>\n<2> 100%", [b"<1>", b"<2>"])
    assert template.fill([b"X", b"%s"]) == b"a%b X c %sX\n%s 100%"
