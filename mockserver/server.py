"""Running the app: in-process in a background thread (tests, scripts) or in the foreground (CLI)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn

from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from mockserver.errors import ServerStartError
from mockserver.journal import Journal
from mockserver.scenario.loader import load_scenarios
from mockserver.scenario.model import Scenario

START_TIMEOUT = 10.0


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before the server starts, so port 0 yields a known free port with no race."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Accepted sockets inherit proto from this one, and asyncio turns Nagle off only on sockets
    # whose proto is TCP; with proto 0 every small SSE write waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def uvicorn_config(app: MockApp, config: ServerConfig, *, log_level: str | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level or config.log_level,
        access_log=False,
        timeout_keep_alive=30,
        backlog=2048,
    )


class MockServer:
    """The mock server in a daemon thread: `with MockServer(scenarios=...) as server:`."""

    def __init__(
        self,
        scenarios: Path | str | Mapping[str, Scenario] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        log_level: str = "warning",
        chaos: str | None = None,
    ) -> None:
        if scenarios is None or isinstance(scenarios, Path | str):
            directory = Path(scenarios) if scenarios is not None else None
            loaded = load_scenarios(directory) if directory is not None else {}
        else:
            directory, loaded = None, dict(scenarios)
        self.config = ServerConfig(
            host=host, port=port, scenario_dir=directory, speed=speed, log_level=log_level, chaos=chaos
        )
        self.journal = Journal()
        self.app = create_app(self.config, loaded, self.journal)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise ServerStartError("the server is not running; call start() or use it as a context manager")
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For the anthropic SDK, whose paths already start with /v1."""
        return self.url

    @property
    def openai_base_url(self) -> str:
        """For the openai SDK, whose base URL includes /v1."""
        return f"{self.url}/v1"

    def start(self) -> Self:
        sock = bind_socket(self.config.host, self.config.port)
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(self.app, self.config))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="mockserver")
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive():
                sock.close()
                raise ServerStartError(f"the server thread exited during start-up on {self.config.host}:{self._port}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(f"the server did not start within {START_TIMEOUT:.0f} s")
            time.sleep(0.001)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def set_scenarios(self, scenarios: Mapping[str, Scenario]) -> None:
        self.app.state.scenarios = dict(scenarios)
        self.app.state.namespaces.restart_counts()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(config: ServerConfig, scenarios: Mapping[str, Scenario], sock: socket.socket) -> None:
    """Serve on an already bound socket in the foreground until interrupted; the CLI's `serve`."""
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config, scenarios)
    server = uvicorn.Server(uvicorn_config(app, config))
    with contextlib.closing(sock):
        server.run(sockets=[sock])
