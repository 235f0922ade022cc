"""Property tests: no input makes a reader raise anything but InputError, and every
record read keeps its title."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from paperkg.errors import InputError
from paperkg.ingest import FORMATS, iter_papers, read_inputs
from paperkg.ingest.identity import normalise_arxiv_id, paper_key, title_key
from paperkg.ingest.text import clean
from paperkg.records import Paper, Skip

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXTENSIONS = {
    "hf-listing": ".txt",
    "jsonl": ".jsonl",
    "hf-api": ".json",
    "atom": ".xml",
    "csv": ".csv",
}


def _read_all(path: Path, fmt: str) -> None:
    try:
        result = read_inputs([path], fmt=fmt)
    except InputError:
        return
    assert result.records == len(result.papers) + result.duplicates + len(result.skips)
    for item in iter_papers(path, fmt):
        assert isinstance(item, (Paper, Skip))


def _structured(fmt: str) -> st.SearchStrategy[bytes]:
    """Bytes that start like the format, so the fuzzing reaches the reader's insides."""
    prefix = {
        "hf-listing": b"Get trending papers in your email inbox!\n",
        "jsonl": b'{"title": "',
        "hf-api": b'[{"paper": {"summary": "',
        "atom": b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>',
        "csv": b"title,abstract\n",
    }[fmt]
    return st.binary(max_size=400).map(lambda tail: prefix + tail)


@pytest.mark.parametrize("fmt", [*FORMATS, "auto"])
@SETTINGS
@given(data=st.one_of(st.binary(max_size=600), st.text(max_size=600).map(str.encode)))
def test_arbitrary_bytes_raise_nothing_but_input_error(tmp_path, fmt, data):
    path = tmp_path / f"input{EXTENSIONS.get(fmt, '.dat')}"
    path.write_bytes(data)
    _read_all(path, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(data=st.data())
def test_format_shaped_bytes_raise_nothing_but_input_error(tmp_path, fmt, data):
    path = tmp_path / f"input{EXTENSIONS[fmt]}"
    path.write_bytes(data.draw(_structured(fmt)))
    _read_all(path, fmt)


# -- round trips: whatever the title, a record that is read keeps it (cleaned) --------

TEXT = st.text(max_size=80)
#: characters XML 1.0 can hold
XML_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff", min_codepoint=0x09
    ).filter(lambda c: c in "\t\n\r" or c >= " "),
    max_size=80,
)
RECORDS = st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=6)


def _check_titles(path: Path, fmt: str, records: list[tuple[str, str]]) -> None:
    expected = [clean(title) for title, abstract in records if clean(title) and clean(abstract)]
    items = list(iter_papers(path, fmt))
    assert [item.title for item in items if isinstance(item, Paper)] == expected
    assert len(items) == len(records)


@SETTINGS
@given(records=RECORDS)
def test_jsonl_round_trip(tmp_path, records):
    path = tmp_path / "papers.jsonl"
    lines = (json.dumps({"title": title, "abstract": abstract}) for title, abstract in records)
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    _check_titles(path, "jsonl", records)


@SETTINGS
@given(records=RECORDS)
def test_hf_api_round_trip(tmp_path, records):
    path = tmp_path / "daily.json"
    items = [{"title": title, "paper": {"summary": abstract}} for title, abstract in records]
    path.write_text(json.dumps(items, indent=1), encoding="utf-8", errors="surrogatepass")
    _check_titles(path, "hf-api", records)


@SETTINGS
@given(records=st.lists(st.tuples(XML_TEXT, XML_TEXT), min_size=1, max_size=6))
def test_atom_round_trip(tmp_path, records):
    feed = ET.Element("{http://www.w3.org/2005/Atom}feed")
    for title, abstract in records:
        entry = ET.SubElement(feed, "{http://www.w3.org/2005/Atom}entry")
        ET.SubElement(entry, "{http://www.w3.org/2005/Atom}title").text = title
        ET.SubElement(entry, "{http://www.w3.org/2005/Atom}summary").text = abstract
    path = tmp_path / "feed.xml"
    ET.ElementTree(feed).write(path, encoding="utf-8", xml_declaration=True)
    _check_titles(path, "atom", records)


CSV_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@SETTINGS
@given(records=st.lists(st.tuples(CSV_TEXT, CSV_TEXT), min_size=1, max_size=6))
def test_csv_round_trip(tmp_path, records):
    assume(all(title.strip() or abstract.strip() for title, abstract in records))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(["title", "abstract"])
    writer.writerows(records)
    path = tmp_path / "papers.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    _check_titles(path, "csv", records)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORD = st.one_of(
    st.sampled_from(
        ["LoRA", "GPT-4", "of", "the", "Large", "models", "MoE", "7B", "via", "(LLMs)"]
    ),
    st.text(_LETTERS, min_size=2, max_size=9),
    st.text(_LETTERS, min_size=1, max_size=9).map(str.capitalize),
)
LISTING_TITLE = st.lists(WORD, min_size=2, max_size=18).map(" ".join)
SENTENCE = st.lists(WORD, min_size=4, max_size=25).map(lambda words: " ".join(words) + ".")
LISTING_ABSTRACT = st.lists(SENTENCE, min_size=1, max_size=8).map(" ".join)


@SETTINGS
@given(
    papers=st.lists(st.tuples(LISTING_TITLE, LISTING_ABSTRACT), min_size=1, max_size=8),
    blank_lines=st.booleans(),
    glued=st.booleans(),
)
def test_listing_round_trip(tmp_path, papers, blank_lines, glued):
    assume(not any(title.startswith("Subscribe") for title, _ in papers))
    assume(not (glued and papers[0][0].split()[0] in {"r", "rs", "d", "s"}))
    lines = ["Get trending papers in your email inbox!"]
    lines += [] if glued else ["Subscribe"]
    for title, abstract in papers:
        lines += [title, abstract]
    if glued:
        lines[1] = "Subscribe" + lines[1]
    path = tmp_path / "dump.txt"
    path.write_text(("\n\n" if blank_lines else "\n").join(lines) + "\n")
    read = list(iter_papers(path, "hf-listing"))
    assert [(paper.title, paper.abstract) for paper in read] == papers


# -- identity -------------------------------------------------------------------------

NEW_ID = st.from_regex(r"[0-9]{4}\.[0-9]{4,5}", fullmatch=True)
OLD_ID = st.from_regex(r"(hep-th|math|cs|cond-mat|astro-ph)/[0-9]{7}", fullmatch=True)
PREFIX = st.sampled_from(
    ["", "arXiv:", "arxiv: ", "https://arxiv.org/abs/", "http://export.arxiv.org/abs/"]
)


@given(text=st.text())
def test_identity_never_raises(text):
    value = normalise_arxiv_id(text)
    assert value is None or normalise_arxiv_id(value) == value
    key = paper_key(arxiv_id=text, doi=text, record_id=text, title=text)
    assert key.split(":", 1)[0] in {"arxiv", "doi", "id", "title"}
    assert key == paper_key(arxiv_id=text, doi=text, record_id=text, title=text)


@given(base=st.one_of(NEW_ID, OLD_ID), prefix=PREFIX, version=st.integers(0, 30))
def test_arxiv_id_forms_normalise_to_one_id(base, prefix, version):
    suffix = f"v{version}" if version else ""
    assert normalise_arxiv_id(f"{prefix}{base}{suffix}") == base
    assert paper_key(arxiv_id=f" {prefix}{base}{suffix} ", title="x") == f"arxiv:{base}"


@given(
    words=st.lists(st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True), min_size=1, max_size=8),
    separators=st.lists(
        st.sampled_from([" ", "  ", ": ", " -- ", "-", "\n", "_", "/"]), min_size=8, max_size=8
    ),
)
def test_title_key_ignores_case_punctuation_and_spacing(words, separators):
    plain = " ".join(words)
    styled = "".join(
        word + separator for word, separator in zip(words, separators[: len(words)], strict=True)
    )
    assert title_key(styled.upper()) == title_key(plain) == title_key(f"  {plain.lower()}?")


def _clean_by_search_split_and_join(text: str) -> str:
    """:func:`clean` before its shortcut for texts with nothing to clean."""
    if re.search(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]", text):
        text = re.sub(r"[\ud800-\udfff]", "\ufffd",
                      re.sub(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]", "", text))
    return " ".join(text.split())


#: mostly printable words and single spaces, with every kind of white space,
#: control and surrogate, and any character
_CLEAN_PIECES = st.one_of(
    st.sampled_from(["ab", "Z9", ".", "-", " ", " ", " "]),
    st.sampled_from(list("\t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200b\u2028\u3000"
                         "\x00\x07\x1b\x7f\x9f\xad\ud800\udfff\ufeff")),
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
)


@given(st.lists(_CLEAN_PIECES, max_size=20).map("".join))
@settings(max_examples=500, deadline=None)
def test_clean_equals_the_search_split_and_join_it_shortcuts(text):
    """A text with nothing to clean is returned as it is: the same as searching it
    for controls and splitting and joining it."""
    assert clean(text) == _clean_by_search_split_and_join(text)


@pytest.mark.parametrize("text", ["a  b", " a", "a ", "a\u00a0b", "a\u2028b", "a\x85b", "a\tb"])
def test_clean_shortcut_is_not_taken_where_there_is_space_to_collapse(text):
    assert clean(text) == " ".join(text.split())


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xFFFF), max_size=60))
@settings(max_examples=300, deadline=None)
def test_cleaned_text_has_no_controls_surrogates_or_runs_of_space(text):
    """Whatever a field holds, what the readers keep encodes as UTF-8, has no
    control characters and no white space but single spaces between words."""
    cleaned = clean(text)
    cleaned.encode("utf-8")  # no lone surrogate left
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert cleaned == " ".join(cleaned.split())
    assert cleaned.split() == [w for w in cleaned.split(" ") if w]
    kept = [c for c in text if not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) or c.isspace()]
    assert cleaned.replace("\ufffd", "").replace(" ", "") == "".join(
        "" if 0xD800 <= ord(c) <= 0xDFFF or c.isspace() or c == "\ufffd" else c for c in kept)
