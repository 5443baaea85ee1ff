"""Turning scenario text into stream pieces, and generating text with Faker, once at load time."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faker import Faker

# A leading run of white space stays with the word after it, as LLM tokenizers do (" world").
_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s]+)|\s+")
LONG_WORD = 10
LONG_WORD_PIECE = 6

# Text-producing Faker providers a scenario may call; anything else (seeding, provider
# registration) is not text and has no place in a scenario file.
FAKER_METHODS = frozenset(
    {
        "address",
        "bs",
        "catch_phrase",
        "city",
        "company",
        "country",
        "email",
        "job",
        "name",
        "paragraph",
        "paragraphs",
        "sentence",
        "sentences",
        "text",
        "texts",
        "url",
        "word",
        "words",
    }
)


def split_words(text: str) -> tuple[str, ...]:
    """Token-like pieces: words with their leading space, punctuation apart, long words split."""
    pieces: list[str] = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        word = piece.lstrip()
        if len(word) <= LONG_WORD:
            pieces.append(piece)
            continue
        lead = piece[: len(piece) - len(word)]
        parts = [word[i : i + LONG_WORD_PIECE] for i in range(0, len(word), LONG_WORD_PIECE)]
        parts[0] = lead + parts[0]
        pieces.extend(parts)
    return tuple(pieces)


def split_fixed(text: str, size: int) -> tuple[str, ...]:
    return tuple(text[i : i + size] for i in range(0, len(text), size))


def chunk(text: str, mode: str | int | Sequence[str]) -> tuple[str, ...]:
    """Split `text` by a scenario's `chunk:` choice; the pieces always join back to `text`."""
    if not text:
        return ()
    if isinstance(mode, int):
        return split_fixed(text, mode)
    if isinstance(mode, str):
        return split_fixed(text, 1) if mode == "char" else split_words(text)
    return tuple(mode)


@cache
def _faker() -> Faker:
    # Building a Faker instance loads its locale data; one per process is plenty.
    from faker import Faker

    return Faker("en_US")


def generate(method: str, kwargs: Mapping[str, object], seed: int) -> str:
    """Deterministic for a given seed, so a scenario streams the same words on every run."""
    fake = _faker()
    fake.seed_instance(seed)
    value = getattr(fake, method)(**kwargs)
    if isinstance(value, list | tuple):
        separator = "\n\n" if method in {"paragraphs", "texts"} else " "
        return separator.join(str(v) for v in value)
    return str(value)


def generate_tokens(count: int, seed: int) -> str:
    """About `count` word tokens of prose, for long streams in load tests."""
    fake = _faker()
    fake.seed_instance(seed)
    words: list[str] = []
    while len(words) < count:
        words.extend(fake.sentence(nb_words=12).split())
    return " ".join(words[:count])
