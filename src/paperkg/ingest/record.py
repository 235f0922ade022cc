"""From a record's raw field values to a :class:`Paper`, or a :class:`Skip` saying why not.

Every reader ends here, so cleaning, limits, identifiers and the identity key are
decided once for all formats. Readers of key/value records (JSON Lines, CSV) also
share :func:`fields_from_mapping`, which knows the field names records use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paperkg.ingest.fields import parse_authors, parse_categories, parse_date
from paperkg.ingest.identity import (
    arxiv_id_from_doi,
    names_arxiv,
    normalise_arxiv_id,
    normalise_doi,
    paper_key,
)
from paperkg.ingest.source import Source
from paperkg.ingest.text import clean
from paperkg.records import Paper, Skip

#: longer titles or abstracts are skipped as corrupt or hostile (arXiv caps abstracts
#: at 1,920 characters; the longest real titles are a few hundred)
MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_CHARS = 100_000
#: keys that mark a record of the arXiv metadata snapshot, whose ``id`` is the arXiv id
#: the keys (lower case) :func:`fields_from_mapping` reads
FIELD_NAMES = frozenset({"title", "abstract", "summary", "id", "arxiv_id", "arxivid", "arxiv",
                         "doi", "url", "authors_parsed", "authors", "author", "date",
                         "published", "update_date", "categories"})
_ARXIV_SNAPSHOT_KEYS = ("categories", "update_date", "versions", "authors_parsed")


class _Invalid(ValueError):
    """A field value that makes the record unreadable; its message is the skip reason."""


def make_paper(
    source: Source,
    line: int | None,
    *,
    title: Any,
    abstract: Any,
    arxiv_id: Any = None,
    doi: Any = None,
    record_id: Any = None,
    url: Any = None,
    authors: Any = None,
    date: Any = None,
    categories: Any = None,
) -> Paper | Skip:
    """Build the :class:`Paper` of one record, or the :class:`Skip` that explains why not.

    Values are taken as the record holds them (any JSON type); text is cleaned with
    :func:`paperkg.ingest.text.clean`, identifiers are normalised, and the key follows
    :func:`paperkg.ingest.identity.paper_key`.
    """
    try:
        title_text = _text("title", title, MAX_TITLE_CHARS)
        abstract_text = _text("abstract", abstract, MAX_ABSTRACT_CHARS)
    except _Invalid as err:
        return source.skip(line, str(err))
    missing = [
        name for name, value in (("title", title_text), ("abstract", abstract_text)) if not value
    ]
    if missing:
        return source.skip(line, "missing " + " and ".join(missing))
    assert title_text and abstract_text
    doi_value = _doi(doi)
    url_text = _identifier(url)
    arxiv = _arxiv(arxiv_id, doi_value, url_text)
    own_id = _identifier(record_id)
    if own_id and arxiv and normalise_arxiv_id(own_id) == arxiv:
        own_id = None  # the arXiv id itself (snapshot ``id``, Atom entry URL)
    return Paper(
        key=paper_key(arxiv_id=arxiv, doi=doi_value, record_id=own_id, title=title_text),
        title=title_text,
        abstract=abstract_text,
        arxiv_id=arxiv,
        doi=doi_value,
        record_id=own_id,
        url=url_text,
        authors=parse_authors(authors),
        date=parse_date(date),
        categories=parse_categories(categories),
        source=source.where(line),
    )


def fields_from_mapping(record: Mapping[Any, Any]) -> dict[str, Any]:
    """The :func:`make_paper` arguments of a key/value record (JSON object, CSV row).

    Keys are matched case-insensitively; ``summary`` stands in for a missing
    ``abstract``, ``published``/``update_date`` for ``date``, and arXiv's
    ``authors_parsed`` is preferred to ``authors``. A record of the arXiv metadata snapshot
    (an ``id`` that parses as an arXiv id next to ``categories``/``update_date``)
    gets that id as its arXiv id.

    >>> fields = fields_from_mapping({"id": "2106.09685", "title": "LoRA", "abstract": "We...",
    ...                               "categories": "cs.CL cs.LG", "update_date": "2021-10-18"})
    >>> fields["arxiv_id"], fields["date"]
    ('2106.09685', '2021-10-18')
    """
    row: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(name, str):
            row.setdefault(name.strip().lower(), value)
    record_id = row.get("id")
    arxiv = _first(row, "arxiv_id", "arxivid", "arxiv")
    if arxiv is None and isinstance(record_id, str) and _is_arxiv_record(record_id, row):
        arxiv = record_id
    return {
        "title": row.get("title"),
        "abstract": _first(row, "abstract", "summary"),
        "arxiv_id": arxiv,
        "doi": row.get("doi"),
        "record_id": record_id,
        "url": row.get("url"),
        "authors": _first(row, "authors_parsed", "authors", "author"),
        "date": _first(row, "date", "published", "update_date"),
        "categories": row.get("categories"),
    }


def _first(row: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = row.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _is_arxiv_record(record_id: str, row: Mapping[str, Any]) -> bool:
    if names_arxiv(record_id):
        return True
    return normalise_arxiv_id(record_id) is not None and any(
        key in row for key in _ARXIV_SNAPSHOT_KEYS
    )


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", bool: "boolean"}.get(type(value), type(value).__name__)


def _text(name: str, value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Invalid(f"{name} is not text (got {_kind(value)})")
    text = clean(str(value))
    if len(text) > limit:
        raise _Invalid(f"{name} too long ({len(text):,} characters; the limit is {limit:,})")
    return text


def _identifier(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = clean(str(value))
    return text[:MAX_TITLE_CHARS] or None


def _doi(value: Any) -> str | None:
    text = _identifier(value)
    # the arXiv snapshot sometimes lists several DOIs separated by spaces
    return normalise_doi(text.split()[0]) if text else None


def _arxiv(value: Any, doi: str | None, url: str | None) -> str | None:
    text = _identifier(value)
    arxiv = normalise_arxiv_id(text) if text else None
    if arxiv is None and doi:
        arxiv = arxiv_id_from_doi(doi)
    if arxiv is None and url and names_arxiv(url):
        arxiv = normalise_arxiv_id(url)
    return arxiv
