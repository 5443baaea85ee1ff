"""Server-wide options: what `mockserver serve` flags and `MockServer(...)` arguments set."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BUNDLED_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MIB = 1024 * 1024
# Defaults of what the server keeps (the README's "What the server keeps").
JOURNAL_MAX_REQUESTS = 10_000
JOURNAL_MAX_BYTES = 256 * MIB
RESPONSES_MAX_BYTES = 256 * MIB
RENDER_CACHE_MAX_BYTES = 64 * MIB
NAMESPACE_IDLE_TIMEOUT = 3600.0
# Seconds an idle kept-alive connection stays open for the client's next request.
KEEP_ALIVE_TIMEOUT = 30
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB, "t": 1024 * 1024 * MIB}


BOUNDS = ("journal_max_requests", "journal_max_bytes", "responses_max_bytes", "render_cache_max_bytes")


def parse_size(text: str) -> int:
    """`268435456`, `256MB`, `256MiB`, `256m` or `0.5G` as bytes; units are powers of 1024."""
    found = _SIZE.fullmatch(text)
    if found is None:
        raise ValueError(f"expected a size in bytes such as 268435456, 256MB or 1GB, got {text!r}")
    number, unit, _ = found.groups()
    return int(float(number) * _UNITS[unit.lower()])


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """Loopback by default: a mock has no business listening on other interfaces unless asked."""

    host: str = "127.0.0.1"
    port: int = 8000
    scenario_dir: Path | None = None
    speed: float = 1.0
    log_level: str = "info"
    # Server-wide chaos as `rate=0.2,seed=1` (see `mockserver serve --chaos`); a scenario's own
    # `chaos:` takes precedence for that scenario.
    chaos: str | None = None
    # The bounds of what the server keeps (see the README's "What the server keeps").
    journal_max_requests: int = JOURNAL_MAX_REQUESTS
    journal_max_bytes: int = JOURNAL_MAX_BYTES
    responses_max_bytes: int = RESPONSES_MAX_BYTES
    render_cache_max_bytes: int = RENDER_CACHE_MAX_BYTES
    # Seconds after which a namespace no request or handle has used is forgotten; None: never.
    namespace_idle_timeout: float | None = NAMESPACE_IDLE_TIMEOUT
    keep_alive_timeout: int = KEEP_ALIVE_TIMEOUT

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0, got {self.speed}")
        for name in BOUNDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        idle = self.namespace_idle_timeout
        if idle is not None and not 0 < idle < float("inf"):
            raise ValueError(f"namespace_idle_timeout must be a number of seconds above 0, or None, got {idle!r}")
        alive = self.keep_alive_timeout
        if type(alive) is not int or alive < 1:
            raise ValueError(f"keep_alive_timeout must be a whole number of seconds of at least 1, got {alive!r}")
