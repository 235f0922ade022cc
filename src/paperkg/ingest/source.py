"""One input file as the readers see it: sniffing, decoding and numbered lines.

Every reader takes a :class:`Source`, so that decoding (UTF-8, with a warning and
replacement characters when a file is not valid UTF-8), over-long lines and
``path:line`` provenance are handled once, the same way for every format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.records import Skip

log = logging.getLogger(__name__)

#: how much of a file format detection and the binary check look at
SNIFF_BYTES = 8192
#: a physical line longer than this is skipped unread (hostile or corrupt input)
MAX_LINE_BYTES = 64 * 1024 * 1024
#: the end of a line that ends with a lone ``\r`` (the split keeps it with the line)
_LONE_CR = re.compile(rb"(?<=\r)(?!\n|$)")
_BOM = "\ufeff"


@dataclass
class Source:
    """A file to read, the name it is reported under, and its warnings."""

    #: the file to open
    path: Path
    #: how the file is named in ``Paper.source``, ``Skip.path`` and messages
    name: str
    #: file-level warnings (such as decoding problems) are appended here
    warnings: list[str] = field(default_factory=list)
    _replaced: bool = False

    def where(self, line: int | None) -> str:
        """``name:line``, the provenance of a record."""
        return self.name if line is None else f"{self.name}:{line}"

    def skip(self, line: int | None, reason: str) -> Skip:
        """A :class:`Skip` for a record of this file."""
        return Skip(path=self.name, line=line, reason=reason)

    def warn(self, message: str) -> None:
        """Record and log a warning about the whole file."""
        text = f"{self.name}: {message}"
        self.warnings.append(text)
        log.warning(text)

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        """The first ``size`` bytes of the file."""
        with self.path.open("rb") as handle:
            return handle.read(size)

    def decode(self, data: bytes, line: int) -> str:
        """Decode UTF-8; invalid bytes become U+FFFD and the file gets one warning."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            if not self._replaced:
                self._replaced = True
                self.warn(
                    f"not valid UTF-8 (first at line {line}); read with replacement characters"
                )
        return text.removeprefix(_BOM) if line == 1 else text

    def lines(self, keepends: bool = False) -> Iterator[tuple[int, str | None]]:
        """Yield ``(line number, text)`` for each physical line: lines end with
        ``\\n``, ``\\r\\n`` or a lone ``\\r`` (classic Mac OS files).

        The text is None for a line longer than :data:`MAX_LINE_BYTES`, which is
        consumed without being kept in memory.
        """
        with self.path.open("rb") as handle:
            number = 0
            while raw := handle.readline(MAX_LINE_BYTES + 1):
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    number += 1
                    while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                        pass
                    yield number, None
                    continue
                lone_cr = b"\r" in raw and _LONE_CR.search(raw)
                for piece in _LONE_CR.split(raw) if lone_cr else (raw,):
                    number += 1
                    if not keepends:
                        piece = piece.rstrip(b"\r\n")
                    yield number, self.decode(piece, number)

    def text(self) -> str:
        """The whole file, decoded (for formats that are not line-oriented)."""
        return self.decode(self.path.read_bytes(), 1)


#: compressed or archived inputs: how to recognise them and what to do instead
_ARCHIVES = ((b"\x1f\x8b", "gzip-compressed", "decompress it (gunzip)"),
             (b"PK\x03\x04", "zip archive", "extract it (unzip)"),
             (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (unxz)"))


def file_problem(head: bytes) -> str | None:
    """Why a file whose first bytes are ``head`` cannot be read as text, or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text is not supported; convert the file to UTF-8"
    for magic, kind, how in _ARCHIVES:
        if head.startswith(magic):
            return f"{kind} files are not read; {how} first"
    if head.count(b"\x00") > max(2, len(head) // 1000):  # a stray NUL or two is text's
        return "binary file (NUL bytes)"
    if not head.strip() and len(head) < SNIFF_BYTES:
        return "empty file"
    return None
