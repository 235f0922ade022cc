"""Reader for arXiv API Atom feeds (``atom``).

Each ``feed/entry`` is a paper: ``id`` (``http://arxiv.org/abs/<id>v<N>``; the
version is dropped for identity), ``title``, ``summary`` (the abstract),
``author/name``, ``published``, ``category@term`` and, when given, ``arxiv:doi``.
An entry whose id is not an arXiv URL keeps that id as its record id, so other
Atom feeds read too; arXiv's error entries (``.../api/errors#...``) are skipped.

The feed is parsed incrementally with expat into small :mod:`xml.etree.ElementTree`
elements, one per entry, so large feeds stream. A document type declaration is
refused outright (no DTD, no entity declarations: no "billion laughs"); expat never
fetches external entities.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.parsers import expat

from paperkg.ingest.record import make_paper
from paperkg.ingest.source import Source
from paperkg.records import Paper, Skip

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
_CHUNK_BYTES = 64 * 1024


class _Refused(Exception):
    """The document declares a DTD or entities."""


def read(source: Source) -> Iterator[Paper | Skip]:
    """Yield a paper or a skip for every entry of an Atom feed."""
    collector = _EntryCollector()
    try:
        with source.path.open("rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                collector.feed(chunk)
                yield from _papers(source, collector.drain())
            collector.feed(b"", final=True)
    except _Refused:
        yield from _papers(source, collector.drain())
        yield source.skip(
            collector.line, "XML with a document type declaration (DTD) is refused; file not read"
        )
    except expat.ExpatError as err:
        yield from _papers(source, collector.drain())
        unread = _entries_after(source, err.lineno)
        more = f" ({unread} more <entry> after this line)" if unread else ""
        yield source.skip(
            err.lineno, f"invalid XML: {expat.ErrorString(err.code)}; rest of file not read{more}"
        )
    yield from _papers(source, collector.drain())


#: an entry's start tag, with or without a namespace prefix
_ENTRY_TAG = re.compile(rb"<(?:[\w.-]+:)?entry[\s/>]")
#: the longest entry tag counted (a long namespace prefix is not looked for)
_TAG_REACH = 40


def _entries_after(source: Source, line: int) -> int:
    """How many entries start after line ``line``: the reading stopped there, and the
    skip says what it did not read. Reads the file in chunks, whatever its lines."""
    count, lines, tail = 0, 1, b""
    with source.path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            if lines <= line:  # still at or before the line of the error
                cut = 0
                while lines <= line and (newline := chunk.find(b"\n", cut)) >= 0:
                    lines, cut = lines + 1, newline + 1
                if lines <= line:
                    continue
                chunk = chunk[cut:]
            text = tail + chunk
            count += len(_ENTRY_TAG.findall(text))
            tail = text[-_TAG_REACH:]  # a tag cut by the chunk's end is found next time
            count -= len(_ENTRY_TAG.findall(tail))
    return count + len(_ENTRY_TAG.findall(tail))


def _papers(source: Source, entries: list[tuple[int, ET.Element]]) -> Iterator[Paper | Skip]:
    for line, entry in entries:
        yield _paper(source, line, entry)


def _paper(source: Source, line: int, entry: ET.Element) -> Paper | Skip:
    entry_id = _text(entry, "id")
    if entry_id and "/api/errors" in entry_id:
        return source.skip(line, f"arXiv API error: {_text(entry, 'summary') or entry_id}")
    categories = [term for element in _all(entry, "category") if (term := element.get("term"))]
    return make_paper(
        source,
        line,
        title=_text(entry, "title"),
        abstract=_text(entry, "summary") or _text(entry, "content"),
        arxiv_id=entry_id,
        doi=entry.findtext(f"{{{ARXIV}}}doi"),
        record_id=entry_id,
        url=_alternate_link(entry) or entry_id,
        authors=[name for author in _all(entry, "author") if (name := _text(author, "name"))],
        date=_text(entry, "published") or _text(entry, "updated"),
        categories=categories,
    )


def _all(element: ET.Element, name: str) -> list[ET.Element]:
    """Children named ``name`` in the Atom namespace (or in none, for lax feeds)."""
    return element.findall(f"{{{ATOM}}}{name}") + element.findall(name)


def _text(element: ET.Element, name: str) -> str | None:
    for child in _all(element, name):
        return "".join(child.itertext())
    return None


def _alternate_link(entry: ET.Element) -> str | None:
    for link in _all(entry, "link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


class _EntryCollector:
    """expat handlers that build one element per ``entry`` and ignore the rest."""

    def __init__(self) -> None:
        self._parser = expat.ParserCreate(namespace_separator="}")
        self._parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self._parser.StartDoctypeDeclHandler = self._refuse
        self._parser.EntityDeclHandler = self._refuse
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data
        self._stack: list[tuple[ET.Element, list[str]]] = []
        self._entry_line = 0
        self._done: list[tuple[int, ET.Element]] = []

    @property
    def line(self) -> int:
        """The line the parser is at."""
        return self._parser.CurrentLineNumber

    def feed(self, data: bytes, final: bool = False) -> None:
        self._parser.Parse(data, final)

    def drain(self) -> list[tuple[int, ET.Element]]:
        """The entries completed since the last call, with their first line."""
        done, self._done = self._done, []
        return done

    def _refuse(self, *args: object) -> None:
        raise _Refused()

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        tag = _clark(name)
        if self._stack:
            _flush(*self._stack[-1])
            element = ET.SubElement(self._stack[-1][0], tag)
        elif tag.rsplit("}", 1)[-1] == "entry":
            element = ET.Element(tag)
            self._entry_line = self._parser.CurrentLineNumber
        else:
            return
        for key, value in attributes.items():
            element.set(_clark(key), value)
        self._stack.append((element, []))

    def _end(self, name: str) -> None:
        if not self._stack:
            return
        element, parts = self._stack.pop()
        _flush(element, parts)
        if not self._stack:
            self._done.append((self._entry_line, element))

    def _data(self, text: str) -> None:
        if self._stack:
            self._stack[-1][1].append(text)


def _flush(element: ET.Element, parts: list[str]) -> None:
    """The text read since ``element``'s last child (or its start): its ``text`` if it has
    no child yet, else the last child's ``tail``, so ``itertext`` keeps the order."""
    if not parts:
        return
    text = "".join(parts)
    parts.clear()
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _clark(name: str) -> str:
    """expat's ``uri}local`` as ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name
