"""A read-only SPARQL 1.1 Protocol endpoint over a built graph, served by Oxigraph.

``paperkg serve`` runs ``oxigraph serve-read-only`` (the binary of the
``oxigraph`` PyPI package) on the on-disk store of :mod:`paperkg.query.store`.
What the server (Oxigraph 0.5) offers, checked against the running binary:

- **Endpoint** ``http://HOST:PORT/query`` (``/sparql`` is an alias): ``GET``
  with ``?query=...``; ``POST`` with ``application/x-www-form-urlencoded``
  (``query=...``); ``POST`` with ``Content-Type: application/sparql-query``
  and the query as the body.
- **Formats** by ``Accept``: SELECT/ASK as ``application/sparql-results+json``
  (also the default for ``*/*`` or no ``Accept``), ``application/sparql-results+xml``,
  ``text/csv`` and ``text/tab-separated-values``; CONSTRUCT/DESCRIBE as
  ``text/turtle``, ``application/n-triples``, ``application/rdf+xml`` or
  ``application/ld+json`` (N-Quads when no ``Accept`` is sent). An unsupported
  ``Accept`` gives ``406``.
- **Read-only**: ``/update`` and writes to ``/store`` answer ``403 Forbidden``
  ("The server is read-only"); an update sent to ``/query`` is a parse error
  (``400``). ``GET /store`` returns the whole graph (Graph Store Protocol).
- **Errors**: a malformed query gives ``400 Bad Request`` with the parser's
  message as plain text (``error at 1:21: expected ...``).
- **Query page** ``http://HOST:PORT/``: YASGUI, whose JavaScript and CSS the
  binary serves itself (``/yasgui.min.js``, ``/yasgui.min.css``); the page loads
  no CDN script or stylesheet, so it works offline. Only its optional
  autocompletion of prefixes (prefix.cc) and vocabulary terms (LOV) calls out
  to the web, and simply finds nothing offline.

    >>> with start_server("outputs", port=7878) as server:  # doctest: +SKIP
    ...     print(server.endpoint)
    http://127.0.0.1:7878/query
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.children import parent_death_signal
from paperkg.errors import PaperKGError
from paperkg.query.store import StoreInfo, prepare_store

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
#: seconds a query may run before the server gives up on it
DEFAULT_TIMEOUT_S = 60
#: the longest --timeout: a day (Oxigraph refuses numbers beyond 64 bits with a usage line)
MAX_TIMEOUT_S = 86_400
#: seconds to wait for a freshly started server to answer
READY_TIMEOUT_S = 20.0


class ServeError(PaperKGError):
    """The SPARQL server cannot be started or stopped working."""


class _ExitedBeforeReady(ServeError):
    """The server process ended before its endpoint was seen to answer."""

    def __init__(self, message: str, code: int, detail: str):
        super().__init__(message)
        self.code, self.detail = code, detail


def find_oxigraph() -> Path:
    """The ``oxigraph`` server binary: next to this Python, else on ``PATH``."""
    name = "oxigraph.exe" if os.name == "nt" else "oxigraph"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError(
        "the oxigraph server binary is not installed; install it with `pip install oxigraph` "
        "(it ships with paperkg's dependencies)"
    )


#: the server's threads parse and evaluate queries recursively: with Rust's default
#: stacks, a request nesting brackets 100,000 deep overflowed one, and the whole server
#: stopped (address space only; pages are used as a stack grows). A RUST_MIN_STACK of
#: the environment is kept.
SERVER_ENV = {"RUST_MIN_STACK": str(512 * 1024 * 1024)}


def server_command(binary: Path, db_path: Path, host: str, port: int, timeout_s: int) -> list[str]:
    """The command line that serves ``db_path`` read-only on ``host:port``."""
    return [
        str(binary),
        "serve-read-only",
        f"--location={db_path.absolute()}",  # a folder named "-w" is no option
        "--bind",
        f"{_url_host(host)}:{port}",
        "--timeout-s",
        str(timeout_s),
    ]


@dataclass
class SparqlServer:
    """A running ``oxigraph serve-read-only`` process; stop it with :meth:`stop`."""

    process: subprocess.Popen
    host: str
    port: int
    store: StoreInfo
    _lock: object = field(repr=False, default=None)
    _log: object = field(repr=False, default=None)

    @property
    def base_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def endpoint(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.base_url}/query"

    @property
    def page_url(self) -> str:
        """The YASGUI query page."""
        return f"{self.base_url}/"

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``grace_s``) and release the store."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._lock is not None:
            self._lock.release()  # type: ignore[attr-defined]
            self._lock = None
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None

    def error_output(self) -> str:
        """The server's error from its stderr, for error messages: the first line that
        says "error" (a usage error ends with a "try '--help'" line), else the last."""
        if self._log is None:
            return ""
        self._log.seek(0)  # type: ignore[attr-defined]
        text = self._log.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        return (errors or lines or [""])[0 if errors else -1]

    def __enter__(self) -> SparqlServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    graph_dir: str | os.PathLike[str],
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> SparqlServer:
    """Start serving the build in ``graph_dir`` and wait until the endpoint answers.

    Raises :class:`ServeError` if the server exits (e.g. the port is taken) or
    does not answer within ``ready_timeout_s`` seconds.
    """
    if not 0 < port < 65536:
        raise ServeError(f"port must be between 1 and 65535, got {port}")
    if not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise ServeError(f"timeout must be between 1 and {MAX_TIMEOUT_S} seconds (a day), "
                         f"got {timeout_s}")
    binary = find_oxigraph()  # fail before loading the store
    _check_port_free(host, port)
    info, lock = prepare_store(graph_dir)
    command = server_command(binary, info.db_path, host, port, timeout_s)
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by SparqlServer.stop()
    logger.debug("starting %s", " ".join(command))
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        preexec_fn=parent_death_signal(), env={**SERVER_ENV, **os.environ},
    )
    server = SparqlServer(process, host, port, info, _lock=lock, _log=log)
    try:
        _wait_until_ready(server, ready_timeout_s)
    except BaseException:
        server.stop()
        raise
    return server


def serve(
    graph_dir: str | os.PathLike[str],
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    on_ready: Callable[[SparqlServer], None] | None = None,
) -> None:
    """Serve until interrupted or the server exits; ``on_ready(server)`` is called
    once it answers.

    Ctrl-C (SIGINT), SIGTERM and SIGHUP stop the server and return normally; the
    oxigraph process never outlives this call (on Linux, not even a SIGKILL of
    this process). A server that crashes (one request can overflow its stack:
    Oxigraph's parser recurses on nested brackets) is started again, with a
    warning naming the crash, up to :data:`MAX_CRASHES` times a minute.
    """
    server = start_server(graph_dir, host, port, timeout_s)
    crashes: list[float] = []
    try:
        with _stop_signals_as_interrupt():
            if on_ready is not None:
                on_ready(server)
            code = server.process.wait()
            detail = server.error_output() or "no message"
            while True:
                server.stop()
                now = time.monotonic()
                crashes = [t for t in crashes if now - t < 60] + [now]
                if code >= 0 or len(crashes) > MAX_CRASHES:
                    break  # it exited by itself, or it keeps crashing
                logger.warning("the oxigraph server crashed (%s, signal %d); starting it again",
                               detail, -code)
                try:
                    server = start_server(graph_dir, host, port, timeout_s)
                except _ExitedBeforeReady as exited:
                    if exited.code >= 0:
                        raise
                    # a request crashed it again before this process saw it answer (a
                    # client may reach it first): one more crash, not a failed start
                    code, detail = exited.code, exited.detail
                    continue
                code = server.process.wait()
                detail = server.error_output() or "no message"
    except KeyboardInterrupt:
        return
    finally:
        server.stop()
    raise ServeError(f"the oxigraph server stopped with exit code {code}: {detail}")


#: crashes in a minute after which the server is not started again
MAX_CRASHES = 5


@contextlib.contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP (a closed terminal; unless ignored, as ``nohup``
    does) like Ctrl-C while serving, so cleanup runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    stops = [signal.SIGTERM]
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is signal.SIG_DFL:
        stops.append(signal.SIGHUP)  # not under nohup, which set it to be ignored
    previous = {signum: signal.signal(signum, interrupt) for signum in stops}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _wait_until_ready(server: SparqlServer, ready_timeout_s: float) -> None:
    """Poll the endpoint with a bounded number of short tries."""
    probe_host = "127.0.0.1" if server.host in ("0.0.0.0", "") else server.host
    probe_host = "::1" if probe_host == "::" else probe_host
    query = urllib.parse.urlencode({"query": "ASK {}"})
    url = f"http://{_url_host(probe_host)}:{server.port}/query?{query}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    deadline = time.monotonic() + ready_timeout_s
    delay = 0.05
    while True:
        code = server.process.poll()
        if code is not None:
            said = server.error_output()
            raise _ExitedBeforeReady(
                f"the oxigraph server did not start on {server.base_url}: "
                f"{said or f'exit code {code}'}", code, said or "no message")
        try:
            with opener.open(url, timeout=1.0) as response:
                if response.status == 200 and server.process.poll() is None:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise ServeError(
                f"the oxigraph server did not answer on {server.base_url} "
                f"within {ready_timeout_s:g} s"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _check_port_free(host: str, port: int) -> None:
    """Fail early, and clearly, when something already listens on ``host:port``
    (otherwise the readiness probe could be answered by that other server)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except OSError as err:
        raise ServeError(f"cannot listen on {host}:{port}: {err}") from err
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            hint = ("--host must be an address of this machine, e.g. 127.0.0.1"
                    if err.errno == errno.EADDRNOTAVAIL else "choose another --port")
            raise ServeError(
                f"cannot listen on {host}:{port}: {err.strerror or err} ({hint})"
            ) from err


def _url_host(host: str) -> str:
    """``host`` as written in a URL (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
