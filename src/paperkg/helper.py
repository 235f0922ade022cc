"""A helper process for the jobs of a build's last stage that need no graph.

After extraction a build runs in one process: the exports walk the graph, and a
second process could only walk it by holding a copy. Some jobs of that stage take
small inputs instead: formatting a batch of RDF subjects or GraphML elements
that the walk gives (:mod:`paperkg.export.batches`), the layout of the HTML view
(a few thousand node ids and edges) and the SHACL validation of the graph's
Turtle (a sample of a few hundred kB, or a small graph's whole file, read from
disk). A build of a large graph hands them to a helper process, which works on
the second core while the build's process walks the graph and writes the files.

The helper is a fresh interpreter (``python -c``, running :func:`_serve`) that
reads pickled calls on its standard input and writes their results on its
standard output, in order, each in a marked frame. It is not a
``multiprocessing`` child: those import the caller's main module again, which
would run a user's script a second time unless it guards its code with
``if __name__ == "__main__"``. It ends when its input closes, and on Linux when
the build's process ends, however that ends.

Each job is a pure function, so its result is the same wherever it runs: if the
helper cannot start, or dies, the job runs in the build's process instead.
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

#: each frame: a mark, then the length of the pickle that follows (a frame that does
#: not start with the mark, e.g. text a library printed, means the helper is unusable)
_MARK = b"PKH1"
_HEADER = struct.Struct(">4sQ")
#: no answer or call is larger; a larger length is a damaged frame
_MAX_FRAME = 1 << 31
#: bytes a pipe to the helper holds, where the system allows it
PIPE_SIZE = 1 << 20
#: what the helper sends back: the call's value, the exception it raised, or None
#: when it could not run the call (the job then runs in the build's process)
_VALUE, _RAISED, _FAILED = "value", "raised", "failed"


class _Broken(Exception):
    """The helper process is gone or sent something unreadable."""


class Job:
    """A function call handed to a :class:`Helper`; :meth:`result` waits for it.

    The function must be pure: when the helper's answer cannot be read (the helper
    died, or the answer does not unpickle here), the call runs again in this process.
    """

    def __init__(self, helper: Helper | None, index: int | None, fn: Callable, args: tuple,
                 kwargs: dict):
        self._helper, self._index, self._call = helper, index, (fn, args, kwargs)
        self._answer: tuple[str, Any] | None = None

    def result(self) -> Any:
        """The call's result (or its exception), from the helper or, if the helper
        could not run it, computed here."""
        if self._answer is None:
            self._answer = self._outcome()
        outcome, value = self._answer
        if outcome == _RAISED:
            raise value
        return value

    def done(self) -> bool:
        """Whether :meth:`result` can answer without waiting for the helper (never
        waits itself). A job the helper cannot run counts as done: it runs here."""
        if self._answer is not None or self._helper is None or self._index is None:
            return True
        return self._helper._arrived(self._index)

    def _outcome(self) -> tuple[str, Any]:
        if self._helper is not None and self._index is not None:
            try:
                outcome, value = self._helper._result(self._index)
            except _Broken as err:
                log.debug("the helper process failed (%s); running the job here", err)
            else:
                if outcome in (_VALUE, _RAISED):
                    return outcome, value
                log.debug("the helper could not run the job (%s); running it here", value)
        fn, args, kwargs = self._call
        try:
            return _VALUE, fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - raised by result(), every time it is asked
            return _RAISED, err


class Helper:
    """Runs jobs, one after the other, in a helper process while ``enabled``, else
    in this process.

    The process starts with the first job. Use as a context manager: on leaving, the
    process ends (at once, without finishing its jobs, if the block is left by an
    exception).
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._process: subprocess.Popen | None = None
        self._sent = 0
        self._received: dict[int, tuple[str, Any]] = {}
        self._next = 0

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Job:
        """Start ``fn(*args, **kwargs)``; ``fn`` must be a module-level function."""
        if not self.enabled:
            return Job(None, None, fn, args, kwargs)
        try:
            data = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
            if self._process is None:
                self._process = _start()
            assert self._process.stdin is not None
            self._process.stdin.write(_HEADER.pack(_MARK, len(data)) + data)
            self._process.stdin.flush()
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            log.debug("no helper process (%s); running jobs here", err)
            self.enabled = False
            return Job(None, None, fn, args, kwargs)
        self._sent += 1
        return Job(self, self._sent - 1, fn, args, kwargs)

    def waiting(self) -> int:
        """How many jobs sent to the helper have no answer yet (reads the answers
        that have come; does not wait)."""
        if self._sent:
            self._arrived(self._sent - 1)
        return self._sent - self._next if self.enabled else 0

    def _result(self, index: int) -> tuple[str, Any]:
        while index not in self._received:
            self._receive()
        return self._received.pop(index)

    def _arrived(self, index: int) -> bool:
        """Has job ``index``'s answer arrived (or will it never)? Reads the answers
        that wait on the pipe, and does not wait for more."""
        while index not in self._received:
            if not self.enabled or self._process is None or self._process.stdout is None:
                return True
            try:
                waiting, _, _ = select.select([self._process.stdout], [], [], 0)
            except (OSError, ValueError):  # no select on a pipe (Windows): ask later
                return False
            if not waiting:
                return False
            try:
                self._receive()
            except _Broken:
                return True
        return True

    def _receive(self) -> None:
        """Read the next answer (waits for it)."""
        if not self.enabled or self._process is None or self._process.stdout is None:
            raise _Broken("no helper process")
        try:
            data = _read_frame(self._process.stdout)
        except Exception as err:  # noqa: BLE001 - a dead helper, or one that printed
            self.enabled = False
            raise _Broken(err) from err
        try:
            answer = pickle.loads(data)
            if not (isinstance(answer, tuple) and len(answer) == 2):
                raise ValueError(f"not an answer: {type(answer).__name__}")
        except Exception as err:  # noqa: BLE001 - e.g. an exception that cannot be rebuilt
            answer = (_FAILED, repr(err))  # this job runs here; the next answers still count
        self._received[self._next] = answer
        self._next += 1

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if kind is not None:  # a failed or interrupted build does not wait for its jobs
            process.kill()
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def preload(*modules: str) -> None:
    """Import ``modules``: a first job that readies a helper for the later ones (it
    starts and imports while the build resolves, so a job the build waits for soon
    after, the view's layout, finds it ready)."""
    for module in modules:
        importlib.import_module(module)


def _start() -> subprocess.Popen:
    # the helper imports paperkg from where this process does, and nothing from the
    # current folder that this process would not (PYTHONSAFEPATH: -m adds it first)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               PYTHONSAFEPATH="1")
    # stderr: nowhere, so that no message of the helper's reaches the user; what
    # it cannot do, the build's process does again in the open
    # -c with the current folder dropped from the path first (PYTHONSAFEPATH is 3.11+)
    # it leaves with os._exit once the build closes its input: its answers are
    # written, and tearing down what its jobs built (pyshacl's graphs) only delays
    # the build, which waits for it to end
    code = ("import sys; sys.path[:] = [p for p in sys.path if p]; "
            f"from paperkg.helper import _serve; _serve({os.getpid()}); "
            "import os; os._exit(0)")
    # stdout unbuffered (bufsize 0), so that select() sees every answer that waits:
    # a buffered reader could hold one that the pipe no longer shows
    process = subprocess.Popen(
        [sys.executable, "-c", code], bufsize=0,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdin is not None and process.stdout is not None
    for pipe in (process.stdin, process.stdout):
        _widen(pipe.fileno())
    process.stdin = io.BufferedWriter(process.stdin)  # type: ignore[assignment]
    return process


def _widen(pipe: int) -> None:
    """Let ``pipe`` hold a large call or answer (Linux; 64 kB by default): a frame
    that does not fit is passed in parts, each waiting for the other side's thread to
    take its turn at the interpreter lock."""
    try:
        import fcntl

        with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as stream:
            size = int(stream.read())
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, min(size, PIPE_SIZE))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def _read_frame(stream: BinaryIO) -> bytearray:
    header = _read_exactly(stream, _HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the helper process ended")
    mark, size = _HEADER.unpack(header)
    if mark != _MARK or size > _MAX_FRAME:
        raise ValueError("not a frame of paperkg's helper")
    data = _read_exactly(stream, size)
    if len(data) < size:
        raise EOFError("the helper process ended mid-answer")
    return data


def _read_exactly(stream: BinaryIO, size: int) -> bytearray:
    """``size`` bytes of ``stream``, fewer only at its end (an unbuffered stream's
    reads give what the pipe holds at the time)."""
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        count = stream.readinto(view[got:])
        if not count:
            break
        got += count
    view.release()
    if got < size:
        del data[got:]
    return data


def _serve(parent: int) -> None:  # pragma: no cover - runs in the helper process
    """The helper's loop: run each call read on standard input, answer on standard
    output. Threads read the calls and write the answers, so that neither side waits
    on a full pipe: the build sends its next job while the helper still works, and
    reads an answer only when it needs it (the layout's, after its other outputs)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the build's process
    if sys.platform.startswith("linux"):  # end with the build, however it ends
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:
        return
    calls: queue.Queue[bytes | None] = queue.Queue()

    def read() -> None:
        try:
            while True:
                calls.put(_read_frame(sys.stdin.buffer))
        except (OSError, EOFError, ValueError):  # the build's process closed the pipe
            calls.put(None)

    # answers go to the original standard output; anything a library prints, to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    answers: queue.Queue[bytes | None] = queue.Queue()

    def write() -> None:
        try:
            while (reply := answers.get()) is not None:
                out.write(_HEADER.pack(_MARK, len(reply)) + reply)
                out.flush()
        except OSError:  # the build's process is gone
            pass

    threading.Thread(target=read, daemon=True).start()
    writer = threading.Thread(target=write)
    writer.start()
    while (data := calls.get()) is not None:
        answers.put(_answer(data))
    answers.put(None)
    writer.join()


def _answer(call: bytes) -> bytes:  # pragma: no cover - runs in the helper process
    """The pickled answer to a pickled call."""
    answer: tuple[str, Any]
    try:
        fn, args, kwargs = pickle.loads(call)
    except Exception as err:  # noqa: BLE001 - e.g. a module this interpreter lacks
        answer = (_FAILED, repr(err))
    else:
        try:
            answer = (_VALUE, fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - the build's process re-raises it
            answer = (_RAISED, err)  # (SystemExit too: the helper must keep answering)
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as err:  # noqa: BLE001 - an unpicklable value or exception
        return pickle.dumps((_FAILED, repr(err)))
