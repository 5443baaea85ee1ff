"""The server under load, as a child process pinned to its own core, with its memory read from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from mockserver.errors import MockServerError

READY_TIMEOUT = 20.0


def cores() -> tuple[set[int] | None, set[int] | None]:
    """(server cores, load generator cores): one core for the server, the rest for the client,
    so the client is never the server's neighbour in the run queue. None where pinning is impossible."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return {available[0]}, set(available[1:])


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process and its children (worker processes), from /proc; None elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    total = 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1]) * 1024
    return total + sum(rss_bytes(int(child)) or 0 for child in children)


class Target:
    """A server command run as a child on `cpus`; `with Target(...) as t:` waits until it listens."""

    def __init__(self, name: str, args: Sequence[str], host: str, port: int, cpus: set[int] | None) -> None:
        self.name = name
        self.host = host
        self.port = port
        self._args = [sys.executable, *args]
        self._cpus = cpus
        self._proc: subprocess.Popen[bytes] | None = None
        self.started_in = 0.0

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def rss(self) -> int | None:
        return rss_bytes(self.pid)

    def start(self) -> Self:
        began = time.perf_counter()
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
            self._args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if self._cpus is not None:
            # Set before the interpreter has started any thread, so every thread it starts inherits it.
            os.sched_setaffinity(self._proc.pid, self._cpus)
        deadline = began + READY_TIMEOUT
        while time.perf_counter() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise MockServerError(f"{self.name} exited during start-up: {err.strip()[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    self.started_in = time.perf_counter() - began
                    return self
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise MockServerError(f"{self.name} did not listen on {self.host}:{self.port} within {READY_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        self._proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def mockserver_target(scenarios: Path, host: str, cpus: set[int] | None, workers: int = 1) -> Target:
    port = free_port(host)
    args = ["-m", "mockserver", "serve", "--scenarios", str(scenarios), "--host", host, "--port", str(port)]
    args += ["--log-level", "warning"]
    if workers > 1:
        args += ["--workers", str(workers)]
    return Target("mockserver", args, host, port, cpus)


CEILING_NAMES = {
    (False, False): "bare Starlette, one message per event",
    (True, False): "bare Starlette, due frames in one message",
    (True, True): "raw ASGI endpoint behind Starlette's router, due frames in one message",
    (False, True): "raw ASGI endpoint behind Starlette's router, one message per event",
}


def ceiling_target(
    scenarios: Path, scenario: str, api: str, host: str, cpus: set[int] | None, *, grouped: bool, raw: bool = False
) -> Target:
    port = free_port(host)
    args = ["-m", "mockserver.bench.ceiling", "--scenarios", str(scenarios), "--scenario", scenario]
    args += ["--api", api, "--host", host, "--port", str(port)]
    args += ["--grouped"] if grouped else []
    args += ["--raw"] if raw else []
    return Target(CEILING_NAMES[grouped, raw], args, host, port, cpus)
