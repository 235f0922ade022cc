"""A paper's identity key: its arXiv id, else its DOI, else its record id, else its title.

The key decides which records are the same paper and is the last segment of the
paper's IRI, so it only depends on what the record says, never on where or when
it was read.

>>> paper_key(arxiv_id="https://arxiv.org/abs/2106.09685v2", title="LoRA")
'arxiv:2106.09685'
>>> paper_key(doi="https://doi.org/10.18653/V1/N19-1423", title="BERT")
'doi:10.18653/v1/n19-1423'
>>> paper_key(record_id="row-7", title="BERT")
'id:row-7'
>>> paper_key(title="LoRA: Low-Rank Adaptation") == paper_key(title="lora -- low rank adaptation")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from paperkg.ingest.text import clean

_ARXIV_PREFIX = re.compile(
    r"^(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*)", re.IGNORECASE
)
#: new style ``2106.09685`` (``yymm.nnnn`` before 2015) or old style ``hep-th/9901001``,
#: ``math.GT/0309136``; an optional version suffix ``v2``
_ARXIV_ID = re.compile(
    r"(?P<new>\d{4}\.\d{4,5})"
    r"|(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.(?P<subject>[a-z]{2}))?/(?P<number>\d{7})",
    re.IGNORECASE,
)
_VERSION = re.compile(r"v\d+$", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
#: arXiv's own DataCite DOIs: ``10.48550/arXiv.2106.09685``
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)")
_NOT_ALNUM = re.compile(r"[\W_]+")


def normalise_arxiv_id(text: str) -> str | None:
    """Return the bare arXiv id in ``text`` (no prefix, URL or version), or None.

    >>> normalise_arxiv_id("arXiv:2106.09685v2")
    '2106.09685'
    >>> normalise_arxiv_id("http://arxiv.org/abs/hep-th/9901001v1")
    'hep-th/9901001'
    >>> normalise_arxiv_id("a title") is None
    True
    """
    value = _ARXIV_PREFIX.sub("", text.strip())
    value = value.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if value.lower().endswith(".pdf"):
        value = value[:-4]
    value = _VERSION.sub("", value)
    match = _ARXIV_ID.fullmatch(value)
    if match is None:
        return None
    if match["new"]:
        return match["new"]
    subject = f".{match['subject'].upper()}" if match["subject"] else ""
    return f"{match['archive'].lower()}{subject}/{match['number']}"


def names_arxiv(text: str) -> bool:
    """Whether ``text`` says outright that it is an arXiv id (prefix or arXiv URL)."""
    return bool(_ARXIV_PREFIX.match(text.strip())) and normalise_arxiv_id(text) is not None


def normalise_doi(text: str) -> str | None:
    """Return the DOI in ``text``, lowercased and without resolver prefix, or None.

    >>> normalise_doi("https://doi.org/10.1000/XYZ123")
    '10.1000/xyz123'
    """
    value = _DOI_PREFIX.sub("", text.strip()).lower()
    return value if _DOI.fullmatch(value) else None


def arxiv_id_from_doi(doi: str) -> str | None:
    """The arXiv id behind one of arXiv's own DOIs (``10.48550/arXiv.<id>``), else None."""
    match = _ARXIV_DOI.fullmatch(doi.lower())
    return normalise_arxiv_id(match[1]) if match else None


def normalise_title(title: str) -> str:
    """Lowercase ``title`` and collapse every run of non-alphanumerics to one space."""
    folded = unicodedata.normalize("NFKC", title).lower()
    return _NOT_ALNUM.sub(" ", folded).strip()


def title_key(title: str) -> str:
    """``title:`` and the first 16 hex digits of the SHA-1 of the normalised title."""
    basis = normalise_title(title) or clean(title)
    return "title:" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()[:16]


def paper_key(
    *,
    arxiv_id: str | None = None,
    doi: str | None = None,
    record_id: str | None = None,
    title: str = "",
) -> str:
    """The identity key of a paper from whichever identifiers it has.

    Parameters
    ----------
    arxiv_id, doi
        Raw or normalised identifiers; values that do not parse are ignored.
    record_id
        The record's own id, used as written (whitespace collapsed).
    title
        The fallback when nothing else identifies the paper.
    """
    arxiv = normalise_arxiv_id(arxiv_id) if arxiv_id else None
    if arxiv:
        return f"arxiv:{arxiv}"
    doi_value = normalise_doi(doi) if doi else None
    if doi_value:
        return f"doi:{doi_value}"
    own = clean(record_id) if record_id else ""
    if own:
        return f"id:{own}"
    return title_key(title)
