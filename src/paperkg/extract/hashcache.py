"""The curated names' token hashes, kept on disk from one process to the next.

Making an extraction pipeline tokenizes the curated names' 17,000 variants
(:func:`paperkg.extract.gazetteer.token_hashes`), about two thirds of making it,
and every worker of a build and every ``paperkg evaluate`` makes one. The hashes
depend only on the texts, spaCy's version and the tokenizer's rules, so the first
process keeps them in a file of the user's cache folder and the next ones read
it back in milliseconds. The file is named after a hash of everything the hashes
depend on; one that is missing, damaged or unreadable is made again, and a
folder that cannot be written is left alone: the hashes are then computed, as
without a cache.

The folder is ``$PAPERKG_CACHE_DIR`` when set (empty: keep nothing), else
``$XDG_CACHE_HOME/paperkg``, else ``~/.cache/paperkg``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
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
    read from the cache when an earlier process kept them, else computed and kept."""
    distinct = list(dict.fromkeys(texts))
    folder = cache_dir()
    if folder is None:
        return compute(tokenizer, distinct)
    key = _key(tokenizer, distinct)
    path = folder / f"{_PREFIX}{key[:32]}.bin"
    found = _read(path, key, distinct)
    if found is None:
        found = compute(tokenizer, distinct)
        _write(folder, path, key, distinct, found)
    return found


def _key(tokenizer: Tokenizer, texts: list[str]) -> str:
    """A hash of the texts and of all that decides how they are tokenized."""
    digest = hashlib.sha256(f"{_MAGIC} spacy {spacy.__version__} {sys.byteorder}".encode())
    for search in (tokenizer.prefix_search, tokenizer.suffix_search, tokenizer.infix_finditer,
                   tokenizer.token_match, tokenizer.url_match):
        pattern = getattr(getattr(search, "__self__", None), "pattern", repr(search))
        digest.update(b"\0rule\0" + str(pattern).encode("utf-8", "surrogatepass"))
    digest.update(repr(sorted(tokenizer.rules.items())).encode("utf-8", "surrogatepass"))
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _read(path: Path, key: str, texts: list[str]) -> Hashes | None:
    try:
        with open(path, "rb") as stream:
            header = stream.readline().decode("ascii").split()
            if header[:3] != [*_MAGIC.split(), key] or int(header[3]) != len(texts):
                return None
            tokens = int(header[4])
            lengths, orths, lowers = array("I"), array("Q"), array("Q")
            lengths.frombytes(stream.read(len(texts) * lengths.itemsize))
            orths.frombytes(stream.read(tokens * orths.itemsize))
            lowers.frombytes(stream.read(tokens * lowers.itemsize))
            if len(lengths) != len(texts) or len(lowers) != tokens or stream.read(1) or \
                    sum(lengths) != tokens:
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
    :data:`KEPT` go."""
    lengths, orths, lowers = array("I"), array("Q"), array("Q")
    for text in texts:
        orth, lower = found[text]
        lengths.append(len(orth))
        orths.extend(orth)
        lowers.extend(lower)
    try:
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
    except (OSError, OverflowError) as err:  # a read-only or full disk: no cache, same hashes
        log.debug("token hashes not kept in %s: %s", folder, err)
