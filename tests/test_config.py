"""Server options: sizes as users write them, and bounds that must be positive."""

from __future__ import annotations

import pytest

from mockserver.config import ServerConfig, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [("1000", 1000), ("64KB", 65536), ("256MB", 256 * 2**20), ("256MiB", 256 * 2**20), ("0.5g", 2**29), ("2 m", 2**21)],
)
def test_a_size_is_read_in_powers_of_1024(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "1.2.3", "-1", "12 apples"])
def test_a_size_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a size in bytes"):
        parse_size(text)


@pytest.mark.parametrize("name", ["journal_max_requests", "journal_max_bytes", "responses_max_bytes"])
def test_a_bound_below_one_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be a whole number of at least 1"):
        ServerConfig(**{name: 0})  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, 0.5, True])
def test_a_keep_alive_timeout_that_is_not_whole_seconds_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="keep_alive_timeout must be a whole number of seconds"):
        ServerConfig(keep_alive_timeout=value)  # type: ignore[arg-type]
