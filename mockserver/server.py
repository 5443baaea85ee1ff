"""Running the app: in-process in a background thread (tests, scripts) or in the foreground (CLI)."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn

from mockserver.app import MockApp, create_app
from mockserver.config import (
    JOURNAL_MAX_BYTES,
    JOURNAL_MAX_REQUESTS,
    KEEP_ALIVE_TIMEOUT,
    NAMESPACE_IDLE_TIMEOUT,
    RENDER_CACHE_MAX_BYTES,
    RESPONSES_MAX_BYTES,
    ServerConfig,
)
from mockserver.errors import MockServerError, ServerStartError
from mockserver.handle import MockLLM, SdkUrls
from mockserver.journal import Journal
from mockserver.protocol import SUPPORTED as PROTOCOL_SUPPORTED, MockHttpProtocol
from mockserver.scenario.loader import load_scenarios
from mockserver.scenario.model import Scenario
from mockserver.state import ServerState
from mockserver.watch import ScenarioWatcher

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
UVICORN_LOGGER = "uvicorn.error"


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


def uvicorn_config(app: MockApp, config: ServerConfig, *, in_process: bool = False) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level=config.log_level,
        # In-process, uvicorn's records go to the host's logging (and pytest's capture) as they are.
        log_config=None if in_process else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
        http=MockHttpProtocol if PROTOCOL_SUPPORTED else "httptools",
        # The journal keeps no client address, and the middleware that would trust a proxy's
        # X-Forwarded-For costs every request.
        proxy_headers=False,
        # In-process, a test session must end even if a stream is stalled on purpose.
        timeout_graceful_shutdown=1 if in_process else None,
        timeout_keep_alive=config.keep_alive_timeout,
        backlog=2048,
    )


class _LogTail(logging.Handler):
    """The last records uvicorn logged, for a start-up error that says why."""

    def __init__(self, size: int = 20) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.size = size

    def emit(self, record: logging.LogRecord) -> None:
        self.lines = [*self.lines[-(self.size - 1) :], f"{record.levelname}: {record.getMessage()}"]

    def text(self) -> str:
        return "".join(f"\n  {line}" for line in self.lines)


class MockServer(SdkUrls):
    """The mock server in a daemon thread: `with MockServer(scenarios=...) as server:`.

    `server.namespace()` gives a handle with its own base URL, scenario and journal on this
    server; the pytest fixture `mock_llm` is exactly such a handle."""

    def __init__(
        self,
        scenarios: Path | str | Mapping[str, Scenario] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        log_level: str = "warning",
        chaos: str | None = None,
        watch: bool = False,
        watch_interval: float = 0.5,
        start_timeout: float = START_TIMEOUT,
        journal_max_requests: int = JOURNAL_MAX_REQUESTS,
        journal_max_bytes: int = JOURNAL_MAX_BYTES,
        responses_max_bytes: int = RESPONSES_MAX_BYTES,
        render_cache_max_bytes: int = RENDER_CACHE_MAX_BYTES,
        namespace_idle_timeout: float | None = NAMESPACE_IDLE_TIMEOUT,
        keep_alive_timeout: int = KEEP_ALIVE_TIMEOUT,
    ) -> None:
        if scenarios is None or isinstance(scenarios, Path | str):
            directory = Path(scenarios) if scenarios is not None else None
            loaded = load_scenarios(directory) if directory is not None else {}
        else:
            directory, loaded = None, dict(scenarios)
        if log_level.upper() not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {log_level!r}; use debug, info, warning or error")
        self.config = ServerConfig(
            host=host,
            port=port,
            scenario_dir=directory,
            speed=speed,
            log_level=log_level,
            chaos=chaos,
            journal_max_requests=journal_max_requests,
            journal_max_bytes=journal_max_bytes,
            responses_max_bytes=responses_max_bytes,
            render_cache_max_bytes=render_cache_max_bytes,
            namespace_idle_timeout=namespace_idle_timeout,
            keep_alive_timeout=keep_alive_timeout,
        )
        self.app = create_app(self.config, loaded)
        self.journal: Journal = self.app.state.journal
        self.start_timeout = start_timeout
        self._watcher: ScenarioWatcher | None = None
        if watch:
            if directory is None:
                raise ValueError("watch=True needs a scenario folder to watch")
            self._watcher = ScenarioWatcher(directory, self.app.state, interval=watch_interval)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._exit: list[BaseException] = []

    @property
    def state(self) -> ServerState:
        return self.app.state

    @property
    def scenarios(self) -> Mapping[str, Scenario]:
        """The shared scenarios (the folder's); a namespace may pin or add its own on top."""
        return self.app.state.scenarios

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
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def open_connections(self) -> int:
        """Connections the server holds open now: a client under test that leaks them shows here."""
        return len(self._server.server_state.connections) if self._server is not None else 0

    def start(self) -> Self:
        """Start serving, or raise ServerStartError saying why not (never hang)."""
        if self._thread is not None:
            raise ServerStartError("the server is already running")
        sock = bind_socket(self.config.host, self.config.port)
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(self.app, self.config, in_process=True))
        self._server, self._exit = server, []
        tail = _LogTail()
        uvicorn_logger = logging.getLogger(UVICORN_LOGGER)
        uvicorn_logger.addHandler(tail)
        self._thread = threading.Thread(target=self._run, args=(server, sock), daemon=True, name="mockserver")
        try:
            self._thread.start()
            self._wait_started(server, tail)
        finally:
            uvicorn_logger.removeHandler(tail)
        if self._watcher is not None:
            self._watcher.start()
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:
            # uvicorn ends start-up failures with sys.exit(), which only ends this thread.
            self._exit.append(exc)
        finally:
            sock.close()

    def _wait_started(self, server: uvicorn.Server, tail: _LogTail) -> None:
        where = f"{self.config.host}:{self._port}"
        deadline = time.monotonic() + self.start_timeout
        while not server.started:
            assert self._thread is not None
            if not self._thread.is_alive():
                self._reset()
                reason = f": {self._exit[0]!r}" if self._exit else ""
                raise ServerStartError(f"the server on {where} stopped during start-up{reason}{tail.text()}")
            if time.monotonic() > deadline:
                self.stop(timeout=0.5)
                raise ServerStartError(
                    f"the server on {where} did not start within {self.start_timeout:g} s{tail.text()}"
                )
            time.sleep(0.001)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self._reset()

    def _reset(self) -> None:
        self._server = self._thread = None
        self._port = None

    def check(self, namespace: str | None = None) -> None:
        """Re-raise, in the caller's thread, what went wrong inside the server (for one namespace, or all).

        One failure is raised as itself; several as an ExceptionGroup. Each is raised once."""
        namespaces = self.app.state.namespaces
        names = namespaces.names() if namespace is None else [namespace]
        errors = [error for name in names if (found := namespaces.find(name)) for error in found.take_errors()]
        if self._thread is not None and not self._thread.is_alive():
            reason = f": {self._exit[0]!r}" if self._exit else ""
            errors.append(MockServerError(f"the server thread has stopped{reason}"))
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup(f"mockserver failed {len(errors)} times while serving requests", errors)

    def namespace(self, name: str | None = None) -> MockLLM:
        """A handle on one namespace of this server; a fresh unique one if no name is given.

        The empty name is the default namespace, the one bare paths such as /v1/... use."""
        handle = MockLLM(self, uuid.uuid4().hex[:16] if name is None else name)
        # Held from now on, so going unused for a while never takes its journal from the handle.
        self.state.namespaces.hold(handle.name)
        return handle

    def set_scenarios(self, scenarios: Mapping[str, Scenario]) -> None:
        """Swap the shared scenarios whole; requests in flight keep the scenario they started with."""
        self.app.state.scenarios = dict(scenarios)
        self.app.state.namespaces.restart_counts()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    config: ServerConfig,
    scenarios: Mapping[str, Scenario],
    sock: socket.socket,
    *,
    watch: bool = False,
    workers: int = 1,
) -> None:
    """Serve on an already bound socket in the foreground until interrupted; the CLI's `serve`."""
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers > 1:
        with contextlib.closing(sock):
            _serve_workers(config, sock, workers, watch=watch)
        return
    app = create_app(config, scenarios)
    server = uvicorn.Server(uvicorn_config(app, config))
    watcher = ScenarioWatcher(config.scenario_dir, app.state) if watch and config.scenario_dir is not None else None
    if watcher is not None:
        watcher.start()
    tune_gc()
    try:
        with contextlib.closing(sock):
            server.run(sockets=[sock])
    finally:
        if watcher is not None:
            watcher.stop()


def tune_gc() -> None:
    """For a process that only serves: requests leave no reference cycles, yet the collector's
    default pace (full passes walking every live stream's objects) stalled 5,000 held streams for
    hundreds of milliseconds. What is alive now is frozen out of its walks; young passes stay
    short (a larger first threshold made the second generation's passes long enough to delay
    whole bursts of requests) and full passes become rare. An in-process server leaves its
    host's collector alone."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 1000)


WORKER_CONFIG_ENV = "MOCKSERVER_WORKER_CONFIG"


def _serve_workers(config: ServerConfig, sock: socket.socket, workers: int, *, watch: bool) -> None:
    """N processes accepting on one socket. Each loads the scenarios itself (and watches them, if
    asked), so the parent passes the config, not the app, through the environment, which spawned
    processes inherit."""
    if config.scenario_dir is None:
        raise ServerStartError("--workers needs a scenario folder, which every worker process loads itself")
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    os.environ[WORKER_CONFIG_ENV] = json.dumps({"config": fields, "watch": watch}, default=str)
    uvicorn.run(
        f"{__name__}:{app_from_environment.__name__}",
        factory=True,
        fd=sock.fileno(),
        workers=workers,
        lifespan="off",
        log_level=config.log_level,
        access_log=False,
        http=MockHttpProtocol if PROTOCOL_SUPPORTED else "httptools",
        proxy_headers=False,
        timeout_keep_alive=config.keep_alive_timeout,
        backlog=2048,
    )


def app_from_environment() -> MockApp:
    """The app of one worker process, built from the config `_serve_workers` left in the environment."""
    settings = json.loads(os.environ[WORKER_CONFIG_ENV])
    fields = settings["config"]
    directory = Path(fields.pop("scenario_dir"))
    config = ServerConfig(scenario_dir=directory, **fields)
    app = create_app(config, load_scenarios(directory))
    if settings["watch"]:
        # A daemon thread: it ends with the worker process.
        ScenarioWatcher(directory, app.state).start()
    tune_gc()
    return app
