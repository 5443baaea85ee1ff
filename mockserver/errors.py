"""Every error mockserver raises derives from MockServerError, so callers can catch one type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class MockServerError(Exception):
    """Base class of all mockserver errors."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a scenario file, located well enough to fix without searching."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ScenarioError(MockServerError):
    """A scenario file (or folder) is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RequestError(MockServerError):
    """A client sent something the API would reject; rendered in the dialect's own error shape."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.kind = kind
        self.param = param
        self.code = code
        # Set by the server once the response has an id, for dialects whose error body repeats it.
        self.request_id: str | None = None
        super().__init__(message)


class UnknownScenarioError(MockServerError, LookupError):
    """A scenario was asked for by name and no scenario has that name."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = tuple(available)
        listed = ", ".join(self.available) or "(none loaded)"
        super().__init__(f"no scenario named {name!r}; available scenarios: {listed}")


class ServerStartError(MockServerError):
    """The in-process server did not come up; the message carries the reason and the log tail."""
