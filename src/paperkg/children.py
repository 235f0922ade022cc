"""Child processes that do not outlive paperkg, however it ends."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable


def parent_death_signal(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """On Linux, when called from the main thread, what a child runs first (before
    ``exec``, or as a worker's initializer) so that Linux sends it ``signum`` when
    this process dies, however it dies (SIGKILL included).

    Linux sends the signal when the *thread* that started the child ends, so only the
    main thread (whose end is the process's) asks for it; a worker that a pool's own
    thread started again gets it when the pool ends, as it should. ``prctl`` is looked
    up here, in the parent: loading a library in the child of a threaded process may
    deadlock.
    """
    if not sys.platform.startswith("linux") or (
            threading.current_thread() is not threading.main_thread()):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def in_child() -> None:  # pragma: no cover - runs in the child
        prctl(1, signum)  # 1: PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the request: no signal
            os._exit(1)

    return in_child
