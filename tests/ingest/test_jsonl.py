"""The JSON Lines reader, including the arXiv metadata snapshot and hostile lines."""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.ingest import iter_papers, read_inputs
from paperkg.ingest.jsonl import decode_object, json_kind, reject_constant
from paperkg.ingest.record import MAX_ABSTRACT_CHARS
from paperkg.records import Extraction, Paper, Skip

FIXTURES = Path(__file__).parent / "fixtures"


def test_fields_in_their_many_spellings():
    items = list(iter_papers(FIXTURES / "papers.jsonl"))
    papers = {item.source.rsplit(":", 1)[1]: item for item in items if isinstance(item, Paper)}
    one, two, three = papers["1"], papers["2"], papers["4"]
    assert one.key == "id:p1" and one.record_id == "p1"
    assert one.authors == ("Ada Lovelace", "Alan Turing")
    assert one.date == "2024-03-13" and one.categories == ("cs.CL", "cs.LG")
    assert two.title == "Paper Two" and two.abstract == "Abstract two."
    assert two.key == "doi:10.1000/abc.2" and two.url == "https://example.org/two"
    assert two.authors == ("Grace Hopper",) and two.date == "2024-03-14"
    assert three.key == "arxiv:2403.01234" and three.arxiv_id == "2403.01234"
    assert three.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper")


def test_bad_lines_are_skips_with_line_and_reason():
    items = list(iter_papers(FIXTURES / "papers.jsonl"))
    skips = [(item.path, item.line, item.reason) for item in items if isinstance(item, Skip)]
    name = str(FIXTURES / "papers.jsonl")
    assert skips == [
        (name, 5, "invalid JSON: Expecting ',' delimiter (column 24)"),
        (name, 6, "expected a JSON object, got an array"),
        (name, 7, "missing abstract"),
        (name, 9, "title is not text (got array)"),
        (name, 10, "invalid JSON: Unterminated string starting at (column 24)"),
    ]


def test_duplicate_id_is_merged_and_counted():
    result = read_inputs([FIXTURES / "papers.jsonl"])
    assert [paper.key for paper in result.papers] == [
        "id:p1",
        "doi:10.1000/abc.2",
        "arxiv:2403.01234",
    ]
    first = result.papers[0]
    assert first.abstract == "Abstract one."  # the first record's text is kept
    assert first.url == "https://example.org/one"  # what it lacked is merged in
    assert result.records == 9 and result.duplicates == 1 and len(result.skips) == 5


def test_arxiv_metadata_snapshot():
    papers = list(iter_papers(FIXTURES / "arxiv_snapshot.jsonl"))
    assert [paper.key for paper in papers] == [
        "arxiv:0704.0001",
        "arxiv:2106.09685",
        "arxiv:hep-th/9901001",
    ]
    diphoton, lora, old = papers
    assert diphoton.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert diphoton.abstract.startswith("A fully differential calculation in perturbative")
    assert "  " not in diphoton.abstract and "\n" not in diphoton.abstract
    assert diphoton.doi == "10.1103/physrevd.76.013009"
    assert diphoton.date == "2008-11-13" and diphoton.categories == ("hep-ph",)
    assert lora.authors[0] == "Edward J. Hu" and len(lora.authors) == 8
    assert lora.categories == ("cs.CL", "cs.AI", "cs.LG")
    assert old.authors == ("A. Author", "B. Author")


def test_a_bare_id_is_not_taken_for_an_arxiv_id_without_snapshot_keys(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text(
        json.dumps({"id": "2106.09685", "title": "T", "abstract": "A"})
        + "\n"
        + json.dumps({"id": "arXiv:2106.09685", "title": "T2", "abstract": "A"})
        + "\n"
    )
    plain, explicit = iter_papers(path)
    assert plain.key == "id:2106.09685" and plain.arxiv_id is None
    assert explicit.key == "arxiv:2106.09685"


def test_hostile_lines(tmp_path):
    path = tmp_path / "hostile.jsonl"
    lines = [
        "[" * 100_000,  # nesting beyond the recursion limit
        "1",
        "null",
        '{"title": 1' + "1" * 5000 + ', "abstract": "x"}',  # beyond the int digit limit
        json.dumps({"title": "Big", "abstract": "word " * (MAX_ABSTRACT_CHARS // 4)}),
        json.dumps({"title": "Lone \ud800 surrogate", "abstract": "fine"}),
        json.dumps({"title": "Fine", "abstract": "fine", "authors": 7, "categories": {}}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    items = list(iter_papers(path))
    reasons = [item.reason for item in items if isinstance(item, Skip)]
    assert reasons[:3] == [
        "invalid JSON: nested too deeply",
        "expected a JSON object, got a number",
        "expected a JSON object, got null",
    ]
    assert reasons[3].startswith("invalid JSON: Exceeds the limit")
    assert reasons[4].startswith("abstract too long")
    papers = [item for item in items if isinstance(item, Paper)]
    assert [paper.title for paper in papers] == ["Lone \ufffd surrogate", "Fine"]
    assert papers[1].authors == () and papers[1].categories == ()


def test_invalid_utf8_is_read_with_replacement_and_a_warning(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"title": "Caf\xe9 models", "abstract": "na\xefve"}\n'.encode("latin-1"))
    result = read_inputs([path])
    assert result.papers[0].title == "Caf\ufffd models"
    assert len(result.warnings) == 1
    assert "not valid UTF-8 (first at line 1)" in result.warnings[0]


def test_nan_and_infinity_are_not_json(tmp_path):
    """Python's json reads them; a paper whose abstract is "nan" would be made up."""
    path = tmp_path / "constants.jsonl"
    path.write_text('{"title": "T", "abstract": NaN}\n{"title": "U", "abstract": Infinity}\n'
                    '{"title": "V", "abstract": "fine", "score": -Infinity}\n')
    reasons = [item.reason for item in iter_papers(path)]
    assert reasons == ["invalid JSON: NaN is not a JSON value",
                       "invalid JSON: Infinity is not a JSON value",
                       "invalid JSON: -Infinity is not a JSON value"]


def test_categories_are_cleaned_like_every_other_field(tmp_path):
    """A lone surrogate in a categories string reached the state file, whose UTF-8
    encoding then failed with a traceback at the end of the build."""
    from paperkg.layout import STATE_FILE
    from paperkg.state import load_state, save_state

    path = tmp_path / "cats.jsonl"
    path.write_text(json.dumps({"id": "a", "title": "T", "abstract": "A",
                                "categories": "cs.CL \ud800x\x07 cs.LG"}) + "\n")
    (paper,) = iter_papers(path)
    assert paper.categories == ("cs.CL", "\ufffdx", "cs.LG")
    save_state(tmp_path / STATE_FILE, [Extraction(paper=paper, mentions=(), lineage=())], "p")
    assert [e.paper for e in load_state(tmp_path, "p")] == [paper]


def _decode_by_loads(text: str):
    """:func:`decode_object` as it was, with ``json.loads``: the reference for the
    decoder it keeps."""
    try:
        value = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as err:
        return f"invalid JSON: {err.msg} (column {err.colno})"
    except RecursionError:
        return "invalid JSON: nested too deeply"
    except ValueError as err:
        return f"invalid JSON: {str(err).split(':', 1)[0]}"
    return value if isinstance(value, dict) else f"expected a JSON object, got {json_kind(value)}"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) |
    st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


_JUNK = st.sampled_from(["", "\ufeff", " ", "x", "NaN", ",", "}", "\\ud800"])


@given(value=_JSON_VALUES, junk=_JUNK, where=st.integers(min_value=0, max_value=40))
@settings(max_examples=300, deadline=None)
def test_decode_object_says_what_json_loads_says(value, junk, where):
    """The reader keeps one decoder instead of json.loads making one per line; its
    answer, value or reason, is the same for valid, broken and BOM-led lines."""
    text = json.dumps(value, ensure_ascii=junk == "")
    text = text[:where] + junk + text[where:]
    assert repr(decode_object(text)) == repr(_decode_by_loads(text))


def test_a_byte_order_mark_before_the_object_is_a_reason_not_a_value():
    assert decode_object('\ufeff{"title": "t"}') == _decode_by_loads('\ufeff{"title": "t"}')
    assert decode_object('\ufeff{"title": "t"}').startswith("invalid JSON: Unexpected UTF-8 BOM")
