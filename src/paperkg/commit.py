"""How a build replaces its outputs: one build per output folder at a time, and
a commit that a build killed half-way is completed from.

A build writes everything into a staging folder inside the output folder, then
moves the files into place (:func:`commit`). A build killed between two of those
moves leaves ``COMMIT_FILE`` naming its staging folder; the next build into the
folder, or the next query of it, completes the moves first
(:func:`complete_commit`), so nothing reads a folder half old, half new.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

try:  # POSIX advisory locks; without them concurrent builds are not kept apart
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from paperkg.errors import BuildError
from paperkg.layout import (
    BUILD_LOCK_FILE,
    COMMIT_FILE,
    KEPT_FILES,
    LEGACY_STATE_FILES,
    OUTPUT_FILES,
)

log = logging.getLogger(__name__)


@contextmanager
def one_build_at_a_time(out: Path):
    """Hold the output folder's build lock; a second build into it waits for the first.

    Two updates at once would each add their papers to the state they read, and the
    one replacing the outputs last would drop the other's papers.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / BUILD_LOCK_FILE, "a+b")  # noqa: SIM115 - held for the build
    except OSError:  # not a folder we can write: the build says so in one line
        yield
        return
    with handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("another paperkg build is writing to %s; waiting for it to finish",
                            out)
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def commit(staging: Path, out: Path) -> None:
    """Move the finished outputs from ``staging`` into ``out``.

    Several renames cannot be one atomic step, so the staging folder and the files
    it holds are named in ``COMMIT_FILE`` first: a build killed between two renames
    is completed (:func:`complete_commit`) by the next build into ``out`` before it
    reads anything there, and by the next query before it loads ``graph.ttl``, so
    neither starts from a folder half old, half new.
    """
    for name in (*OUTPUT_FILES, *KEPT_FILES):
        if (out / name).is_dir():
            raise BuildError(f"cannot write {out / name}: a folder has that name")
    written = [name for name in (*OUTPUT_FILES, *KEPT_FILES) if (staging / name).exists()]
    marker = staging / COMMIT_FILE
    marker.write_text(json.dumps({"staging": staging.name, "files": written}),
                      encoding="utf-8")
    os.replace(marker, out / COMMIT_FILE)
    _move_outputs(staging, out, written)
    (out / COMMIT_FILE).unlink()


def _move_outputs(staging: Path, out: Path, written: list[str]) -> None:
    for name in (*OUTPUT_FILES, *KEPT_FILES):
        if name not in written:  # not written this time (graph.html with --no-html):
            (out / name).unlink(missing_ok=True)  # an earlier build's would sit next to ours
        elif (staging / name).exists():  # else moved before the build was stopped
            os.replace(staging / name, out / name)
    for name in LEGACY_STATE_FILES:  # an older version's state, which no update reads now
        (out / name).unlink(missing_ok=True)


def pending(out: Path, staging: Path) -> bool:
    """Whether the outputs were being moved out of ``staging`` when the build stopped."""
    try:
        return json.loads((out / COMMIT_FILE).read_text(encoding="utf-8")).get(
            "staging") == staging.name
    except (OSError, ValueError, AttributeError):
        return False


def complete_commit(out: Path) -> None:
    """Finish moving the outputs of a build stopped while it moved them (:func:`commit`)."""
    marker = out / COMMIT_FILE
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        staging, written = out / record["staging"], list(record["files"])
    except (OSError, ValueError, KeyError, TypeError):
        marker.unlink(missing_ok=True)
        return
    if staging.parent == out and staging.name.startswith(".staging-") and staging.is_dir():
        log.warning("completing the build that was stopped while it replaced the outputs "
                    "in %s", out)
        _move_outputs(staging, out, [n for n in written if n in (*OUTPUT_FILES, *KEPT_FILES)])
        shutil.rmtree(staging, ignore_errors=True)
    marker.unlink(missing_ok=True)


def remove_stale_staging(out: Path) -> None:
    """Remove the staging folders of builds that were killed (their process is gone)."""
    for folder in out.glob(".staging-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
