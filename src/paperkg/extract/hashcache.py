"""The curated names' token hashes, kept on disk from one process to the next.

Making an extraction pipeline tokenizes the curated names' 17,000 variants
(:func:`paperkg.extract.gazetteer.token_hashes`), about two thirds of making it,
and every worker of a build and every ``paperkg evaluate`` makes one. The
hashes depend only on the texts, spaCy's and Python's versions and the
tokenizer's rules and code, so the first process keeps them in a file of the
user's cache folder and the next ones read it back in milliseconds. The file is
named after a hash of everything the hashes depend on; one that is missing,
damaged or unreadable is made again, and a folder that cannot be written is left
alone: the hashes are then computed, as without a cache.

The folder is ``$PAPERKG_CACHE_DIR`` when set (empty: keep nothing), else
``$XDG_CACHE_HOME/paperkg``, else ``~/.cache/paperkg``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import sys
import tempfile
import time
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

import spacy
from spacy.tokenizer import Tokenizer

log = logging.getLogger(__name__)

#: the environment variable naming the cache folder (empty: no cache)
CACHE_ENV = "PAPERKG_CACHE_DIR"
#: files of token hashes kept in the folder (other resources, other spaCy versions)
KEPT = 4
_MAGIC = "paperkg-token-hashes 1"
_PREFIX = "token-hashes-"

Hashes = dict[str, tuple[tuple, tuple]]


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None when caching is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "paperkg"


def cached_token_hashes(tokenizer: Tokenizer, texts: Sequence[str],
                        compute: Callable[[Tokenizer, list[str]], Hashes]) -> Hashes:
    """``compute(tokenizer, texts)`` (the ORTH and LOWER hashes of each text's tokens),
    read from the cache when an earlier process kept them, else computed and kept.
    Nothing the cache does can fail the caller: at worst the hashes are computed."""
    distinct = list(dict.fromkeys(texts))
    folder = cache_dir()
    if folder is None:
        return compute(tokenizer, distinct)
    try:
        key = _key(tokenizer, distinct)
        path = folder / f"{_PREFIX}{key[:32]}.bin"
        found = _read(path, key, distinct)
    except Exception as err:  # noqa: BLE001 - a cache is never worth a failed build
        log.debug("no token hashes read from %s: %s", folder, err)
        return compute(tokenizer, distinct)
    if found is None:
        found = compute(tokenizer, distinct)
        try:
            _write(folder, path, key, distinct, found)
        except Exception as err:  # noqa: BLE001 - e.g. a read-only or full disk
            log.debug("token hashes not kept in %s: %s", folder, err)
    return found


#: the code that decides the hashes: a change to it makes a new key
_SOURCES = ("gazetteer.py", "tokenizer.py", "hashcache.py")


def _key(tokenizer: Tokenizer, texts: list[str]) -> str:
    """A hash of the texts and of all that decides how they are tokenized: spaCy's
    and Python's versions, Unicode's tables, the tokenizer's rules and the code."""
    digest = hashlib.sha256(f"{_MAGIC} spacy {spacy.__version__} python "
                            f"{sys.version_info[:2]} unicode {unicodedata.unidata_version} "
                            f"{sys.byteorder}".encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        try:
            source = (here / name).read_bytes()
        except OSError:  # e.g. installed without its sources: the versions still count
            source = b""
        _update(digest, name.encode() + b"\0" + source)
    for search in (tokenizer.prefix_search, tokenizer.suffix_search, tokenizer.infix_finditer,
                   tokenizer.token_match, tokenizer.url_match):
        compiled = getattr(search, "__self__", None)
        if hasattr(compiled, "pattern"):
            rule = f"{compiled.pattern!r} {getattr(compiled, 'flags', '')}"
        else:  # not a compiled expression's method (a function's address would change)
            rule = getattr(search, "__qualname__", type(search).__qualname__)
        _update(digest, rule.encode("utf-8", "surrogatepass"))
    _update(digest, repr(getattr(tokenizer, "faster_heuristics", None)).encode())
    _update(digest, repr(sorted(tokenizer.rules.items())).encode("utf-8", "surrogatepass"))
    for text in texts:
        _update(digest, text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _update(digest, data: bytes) -> None:
    """Add ``data`` with its length first, so that no two lists of parts hash alike."""
    digest.update(len(data).to_bytes(8, "little") + data)


def _read(path: Path, key: str, texts: list[str]) -> Hashes | None:
    """The hashes kept in ``path`` for ``key``; None when there are none or the file
    is not exactly what :func:`_write` writes for them."""
    try:
        # not blocking: opening a pipe put there would wait for a writer for good
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None  # a pipe or a device: not ours
            header = stream.readline(256).decode("ascii").split()
            if header[:3] != [*_MAGIC.split(), key] or int(header[3]) != len(texts):
                return None
            tokens = int(header[4])
            lengths, orths, lowers = array("I"), array("Q"), array("Q")
            size = stream.tell() + len(texts) * lengths.itemsize + 2 * tokens * orths.itemsize
            if tokens < 0 or info.st_size != size:
                return None
            lengths.frombytes(stream.read(len(texts) * lengths.itemsize))
            orths.frombytes(stream.read(tokens * orths.itemsize))
            lowers.frombytes(stream.read(tokens * lowers.itemsize))
            if sum(lengths) != tokens:  # (the sizes are right: the file's size was)
                return None
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None  # missing, damaged, unreadable: made again
    found: Hashes = {}
    at = 0
    for text, length in zip(texts, lengths, strict=True):
        found[text] = tuple(orths[at:at + length]), tuple(lowers[at:at + length])
        at += length
    return found


def _write(folder: Path, path: Path, key: str, texts: list[str], found: Hashes) -> None:
    """Keep ``found`` in ``path``, written whole or not at all; older files beyond
    :data:`KEPT` go, and temporary files a killed process left."""
    lengths, orths, lowers = array("I"), array("Q"), array("Q")
    for text in texts:
        orth, lower = found[text]
        lengths.append(len(orth))
        orths.extend(orth)
        lowers.extend(lower)
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(f"{_MAGIC} {key} {len(texts)} {len(orths)}\n".encode("ascii"))
            for part in (lengths, orths, lowers):
                stream.write(part.tobytes())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    older = sorted((p for p in folder.glob(f"{_PREFIX}*.bin") if p != path),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in older[KEPT - 1:]:
        stale.unlink(missing_ok=True)
    for left in folder.glob(f".{_PREFIX}*"):  # a process killed while it wrote
        if time.time() - left.stat().st_mtime > 3600:
            left.unlink(missing_ok=True)
