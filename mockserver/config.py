"""Server-wide options: what `mockserver serve` flags and `MockServer(...)` arguments set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BUNDLED_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


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

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0, got {self.speed}")
