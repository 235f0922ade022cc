"""Which files an input list means: files as given, folders walked, or the bundled corpus."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from paperkg.errors import InputError
from paperkg.layout import BUILD_MARKERS, OUTPUT_FILES, STORE_DIR

log = logging.getLogger(__name__)

#: how files of the bundled sample corpus are named in sources and reports
BUNDLED_NAME = "paperkg/data/corpus"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read."""

    path: Path
    #: the name used in ``Paper.source`` and ``Skip.path``: the path as the user gave
    #: it (relative stays relative), so reports do not depend on the machine
    name: str
    #: named on the command line rather than found in a folder
    explicit: bool
    #: why the file cannot be listed or opened, if it cannot
    error: str | None = None


def bundled_corpus() -> Path:
    """The folder of the sample corpus shipped with the package."""
    folder = Path(str(resources.files("paperkg.data").joinpath("corpus")))
    if not folder.is_dir():
        raise InputError(f"the bundled sample corpus is missing: {folder}")
    return folder


def input_files(paths: Sequence[str | os.PathLike[str]] | None) -> list[InputFile]:
    """The files ``paths`` stand for, in reading order, each file once.

    No paths means the bundled sample corpus. Folders are walked recursively in
    sorted order, skipping hidden (dot) files and folders, and the outputs of a
    build (``graph.ttl``, ``report.json``, the query store, ...) in a folder a
    build wrote to: ``paperkg build .`` run twice would otherwise read the first
    build's ``graph.jsonld`` as papers.

    Raises
    ------
    InputError
        if a path does not exist.
    """
    if not paths:
        return _walk(bundled_corpus(), BUNDLED_NAME)
    for path in paths:
        if not os.path.lexists(path):
            raise InputError(f"no such file or directory: {os.fspath(path)}")
    files: list[InputFile] = []
    for path in paths:
        if Path(path).is_dir():
            files.extend(_walk(Path(path), os.fspath(path)))
        else:
            files.append(InputFile(Path(path), shown_name(os.fspath(path)), explicit=True))
    return _unique(files)


def _walk(root: Path, name: str) -> list[InputFile]:
    errors: list[InputFile] = []

    def unreadable(err: OSError) -> None:
        folder = Path(err.filename or root)
        reason = f"cannot read folder: {err.strerror or err}"
        errors.append(InputFile(folder, _child_name(root, name, folder), False, reason))

    found: list[Path] = []
    for folder, subfolders, filenames in os.walk(root, onerror=unreadable):
        subfolders[:] = [sub for sub in subfolders if not sub.startswith(".")]
        if any(marker in filenames for marker in BUILD_MARKERS):
            filenames = _not_outputs(Path(folder), subfolders, filenames)
        found.extend(Path(folder, file) for file in filenames if not file.startswith("."))
    found.sort(key=lambda path: path.relative_to(root).parts)
    files = [InputFile(path, _child_name(root, name, path), explicit=False) for path in found]
    return errors + files


def _not_outputs(folder: Path, subfolders: list[str], filenames: list[str]) -> list[str]:
    """``filenames`` without a build's outputs; drops its query store from ``subfolders``."""
    outputs = sorted(name for name in filenames if name in OUTPUT_FILES)
    if STORE_DIR in subfolders:
        subfolders.remove(STORE_DIR)
        outputs.append(STORE_DIR + "/")
    if outputs:
        log.info("%s: not reading %s (the outputs of a paperkg build)",
                 shown_name(os.fspath(folder)), ", ".join(outputs))
    return [name for name in filenames if name not in OUTPUT_FILES]


def _child_name(root: Path, name: str, path: Path) -> str:
    relative = path.relative_to(root).as_posix()
    if relative == ".":
        return shown_name(name)
    return shown_name(f"{name.rstrip('/' + os.sep) or name}/{relative}")


def shown_name(name: str) -> str:
    r"""A file name (or other command-line text) as messages, reports and the state
    file can hold it: bytes that are not UTF-8 (which Python keeps as lone
    surrogates, and no UTF-8 file can hold) are shown as ``\xNN``, and so are control
    characters, which would end a one-line message or drive the terminal.

    >>> shown_name(os.fsdecode(b"caf\xe9.jsonl")), shown_name("a\nb\x1b[31m.csv")
    ('caf\\xe9.jsonl', 'a\\x0ab\\x1b[31m.csv')
    """
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


#: C0 and C1 control characters and DEL
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _unique(files: list[InputFile]) -> list[InputFile]:
    """Drop repeats of a file (given twice, or as itself and inside a given folder)."""
    seen: set[Path] = set()
    unique = []
    for file in files:
        try:
            identity = file.path.resolve()
        except (OSError, RuntimeError):
            identity = file.path
        if identity not in seen:
            seen.add(identity)
            unique.append(file)
    return unique
