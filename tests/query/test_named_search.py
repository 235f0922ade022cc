"""entity-search finds its entities through the store's table of name keys, with the same answer.

The table holds every label's and alias's key as the engine computes it; the
text's key is the engine's too. These tests compare the answer through the table
with the query's own filter alone, on names whose case folding and letters are
hard (ß, ligatures, dotted İ, decomposed accents, Roman numerals, superscripts,
newlines, titlecase digraphs).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from paperkg.errors import QueryError
from paperkg.query import named
from paperkg.query.named import parse_named_query, run_named_query
from paperkg.query.store import GraphStore

from .conftest import forbid_replacing_files, make_graph_dir, spy_on_queries
from .test_named_ranks import TTL_PREFIXES
from .test_named_rewrites import ALT, LABEL, RDF_TYPE, add, graph_folder, pk, random_graph

HARD_NAMES = ("Straße-Net", "STRASSE", "ﬁne-tune", "İstanbul-7B", "café", "cafe\u0301",
              "Model Ⅻ", "x²-LoRA", "ǅemal", "lo\nra", "Lo-RA (v2)", "ΣΊΣΥΦΟΣ", "日本語-GPT")
TEXTS = ("lora", "LO RA", "gpt-", "4", "nothing", "", "   ", "ß", "ss", "STRASSE", "ﬁ", "fi",
         "i̇", "İ", "é", "e\u0301", "Ⅻ", "xii", "²", "2", "ǆ", "ǅ", "σίσυφος", "日本", "lo ra v2",
         '"quoted"', "back\\slash")


def hard_graph(seed: int) -> ox.Store:
    store, iris = random_graph(seed, entities=30)
    for number, name in enumerate(HARD_NAMES):
        node = ox.NamedNode(iris[number % len(iris)])
        add(store, node, ALT if number % 2 else LABEL, ox.Literal(name))
    return store


def normalised(rows: tuple) -> list:
    """Rows with ``?matches`` (a GROUP_CONCAT, in no set order) sorted."""
    return [tuple(tuple(sorted(cell.value.split(" | "))) if index == 3 and cell is not None
                  else cell for index, cell in enumerate(row)) for row in rows]


def spy_on_searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For each run of entity-search: "table" with entities bound at the mark, else "filter"."""
    return spy_on_queries(monkeypatch, lambda sparql: None if "GROUP_CONCAT" not in sparql
                          else "filter" if "# matching: VALUES" in sparql else "table")


@pytest.mark.parametrize("seed", range(3))
def test_entity_search_through_the_table_gives_the_filter_s_answer(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = graph_folder(hard_graph(seed), tmp_path / "outputs")
    expected = {}
    with monkeypatch.context() as patch:
        patch.setattr(GraphStore, "entities_named_like", lambda *_args: None)
        runs = spy_on_searches(patch)
        for text in TEXTS:
            expected[text] = run_named_query(folder, "entity-search", {"text": text}).rows
        assert set(runs) == {"filter"}
    assert sum(bool(rows) for rows in expected.values()) >= 12  # the texts find things
    runs = spy_on_searches(monkeypatch)
    for text in TEXTS:
        runs.clear()
        found = run_named_query(folder, "entity-search", {"text": text})
        assert normalised(found.rows) == normalised(expected[text]), text
        assert runs == (["filter"] if not re.sub(r"\s", "", text) else ["table"]), text
        limited = run_named_query(folder, "entity-search", {"text": text}, limit=2)
        assert normalised(limited.rows) == normalised(expected[text][:2]), text


def test_hard_names_are_found_as_the_engine_folds_them(tmp_path: Path) -> None:
    """Not Python's rules: the engine's LCASE keeps ß and ﬁ, and İ lower-cases to i̇."""
    folder = graph_folder(hard_graph(0), tmp_path / "outputs")

    def matches(text: str) -> set[str]:
        rows = run_named_query(folder, "entity-search", {"text": text}).rows
        return {name for row in rows for name in row[3].value.split(" | ")}

    assert "Straße-Net" in matches("ß") and "Straße-Net" not in matches("ss")
    assert "ﬁne-tune" in matches("ﬁ") and "ﬁne-tune" not in matches("fi")
    assert "lo\nra" in matches("lora")
    assert {"café", "cafe\u0301"} <= matches("caf")


def test_too_many_matches_or_a_blank_node_leave_the_search_to_the_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = hard_graph(1)
    blank = ox.BlankNode()
    add(store, blank, RDF_TYPE, pk("Model"))
    add(store, blank, LABEL, ox.Literal("Blank Lora"))
    folder = graph_folder(store, tmp_path / "outputs")
    runs = spy_on_searches(monkeypatch)
    with_blank = run_named_query(folder, "entity-search", {"text": "blank lora"})
    assert len(with_blank.rows) == 1 and runs == ["filter"]
    runs.clear()
    expected = run_named_query(folder, "entity-search", {"text": "gpt"}).rows
    assert runs == ["table"] and len(expected) >= 2
    monkeypatch.setattr(named, "MAX_SEARCH_MATCHES", 1)
    runs.clear()
    assert normalised(run_named_query(folder, "entity-search", {"text": "gpt"}).rows) == \
        normalised(expected)
    assert runs == ["filter"]


def test_the_table_is_written_with_the_store_and_again_when_damaged(tmp_path: Path) -> None:
    folder = graph_folder(hard_graph(2), tmp_path / "outputs")
    with GraphStore.open(folder) as store:
        (path,) = store.info.db_path.parent.glob("search-names-*.sqlite")
    expected = run_named_query(folder, "entity-search", {"text": "lora"}).rows
    assert expected
    path.write_bytes(b"not a database, cut short")
    assert normalised(run_named_query(folder, "entity-search", {"text": "lora"}).rows) == \
        normalised(expected)
    with sqlite3.connect(path) as table:
        assert table.execute("SELECT COUNT(*) FROM names").fetchone()[0] > 30


def test_a_table_that_cannot_be_kept_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = graph_folder(hard_graph(2), tmp_path / "outputs")
    expected = run_named_query(folder, "entity-search", {"text": "gpt"}).rows
    for path in (folder / "store").glob("*/search-names-*"):
        path.unlink()

    forbid_replacing_files(monkeypatch)
    runs = spy_on_searches(monkeypatch)
    assert normalised(run_named_query(folder, "entity-search", {"text": "gpt"}).rows) == \
        normalised(expected)
    assert runs == ["filter"]  # the filter alone: no table built and dropped on every search
    assert not list((folder / "store").glob("*/*search-names-*"))


def test_a_table_damaged_inside_is_written_again(tmp_path: Path) -> None:
    """Zeroed pages in the middle pass the check on opening; the search writes it again."""
    ttl = TTL_PREFIXES + "".join(
        f'<https://w3id.org/paperkg/entity/model{i}> a pk:Model ; rdfs:label "Model {i} LoRA" .\n'
        for i in range(3000))
    folder = make_graph_dir(tmp_path / "outputs", ttl)
    expected = run_named_query(folder, "entity-search", {"text": "model 2999"}).rows
    assert len(expected) == 1
    (path,) = (folder / "store").glob("*/search-names-*.sqlite")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16384] = bytes(16384)
    path.write_bytes(bytes(data))
    assert run_named_query(folder, "entity-search", {"text": "model 2999"}).rows == expected
    with sqlite3.connect(path) as table:
        assert table.execute("SELECT COUNT(*) FROM names").fetchone()[0] == 3000


def test_matches_too_many_for_one_query_leave_the_search_to_the_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = graph_folder(hard_graph(1), tmp_path / "outputs")
    expected = run_named_query(folder, "entity-search", {"text": "lora"}).rows
    assert len(expected) >= 3
    text = named.get_named_query("entity-search").sparql
    monkeypatch.setattr("paperkg.query.store.MAX_QUERY_CHARS", len(text) + 100)
    runs = spy_on_searches(monkeypatch)
    assert normalised(run_named_query(folder, "entity-search", {"text": "lora"}).rows) == \
        normalised(expected)
    assert runs == ["table", "filter"]  # the bound query is refused as too long: the filter


SEARCH_BODY = """SELECT ?entity WHERE {
  VALUES ?text { UNDEF }
%s
  { ?entity rdfs:label ?name } UNION { ?entity skos:altLabel ?name }
  FILTER(CONTAINS(%s, REPLACE(LCASE(STR(?text)), "[^\\\\p{L}\\\\p{N}]", "")))
}
"""
NAME_KEY_TEXT = 'REPLACE(LCASE(STR(?name)), "[^\\\\p{L}\\\\p{N}]", "")'


@pytest.mark.parametrize(("header", "mark", "name_key", "message"), [
    ("# search: text", "", NAME_KEY_TEXT, "goes with one"),
    ("", "  # matching: VALUES (?entity)", NAME_KEY_TEXT, "goes with one"),
    ("# search: other", "  # matching: VALUES (?entity)", NAME_KEY_TEXT, "names a text parameter"),
    ("# search: text", "  # matching: VALUES (?entity)", "LCASE(STR(?name))", "lacks REPLACE"),
])
def test_a_search_needs_its_mark_and_the_table_s_comparison(
    header: str, mark: str, name_key: str, message: str
) -> None:
    text = f"# title: t\n# param: text (text) - x\n{header}\n" + SEARCH_BODY % (mark, name_key)
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_named_query("q", text)
    assert parse_named_query("q", "# title: t\n# param: text (text) - x\n# search: text\n"
                             + SEARCH_BODY % ("  # matching: VALUES (?entity)", NAME_KEY_TEXT))


def test_a_search_in_an_empty_graph(tmp_path: Path) -> None:
    folder = make_graph_dir(tmp_path / "outputs", "")
    assert run_named_query(folder, "entity-search", {"text": "lora"}).rows == ()


@pytest.mark.parametrize("name", ["a?b#c%20d", "//"])
def test_tables_next_to_a_store_in_a_folder_named_with_uri_characters_are_read_again(
    tmp_path: Path, name: str
) -> None:
    """``?``, ``#`` and ``%`` in the folder's name, or a path starting with ``//``: the tables
    are opened, not written each time (an unescaped SQLite URI opened another path, or read
    the first folder as a host, so both were rewritten on every query)."""
    folder = graph_folder(hard_graph(0), tmp_path / "a?b#c%20d" / "outputs")
    if name == "//":
        folder = Path("//" + str(folder).lstrip("/"))
        assert str(folder).startswith("//")
    run_named_query(folder, "entity-search", {"text": "lora"})
    run_named_query(folder, "derived-from", {"entity": "<https://w3id.org/paperkg/entity/e3>"})
    tables = [*(folder / "store").glob("*/search-names-*.sqlite"),
              *(folder / "store").glob("*/cache-names-v2.sqlite")]
    assert len(tables) == 2
    before = [(path.stat().st_ino, path.stat().st_mtime_ns) for path in tables]
    run_named_query(folder, "entity-search", {"text": "lora"})
    run_named_query(folder, "derived-from", {"entity": "<https://w3id.org/paperkg/entity/e3>"})
    assert [(path.stat().st_ino, path.stat().st_mtime_ns) for path in tables] == before


def test_a_name_table_damaged_inside_is_written_again(tmp_path: Path) -> None:
    """The entity-name index (cache-names): zeroed index pages pass the check on opening,
    and a lookup then raised an sqlite3 traceback."""
    ttl = TTL_PREFIXES + "".join(
        f'<https://w3id.org/paperkg/entity/model{i}> a pk:Model ; rdfs:label "Model {i}" .\n'
        for i in range(3000))
    folder = make_graph_dir(tmp_path / "outputs", ttl)
    entity = {"entity": "Model 2999"}
    expected = run_named_query(folder, "derived-from", entity).rows
    (path,) = (folder / "store").glob("*/cache-names-v2.sqlite")
    data = bytearray(path.read_bytes())
    data[-16384:] = bytes(16384)  # the index on the keys, written last
    path.write_bytes(bytes(data))
    assert run_named_query(folder, "derived-from", entity).rows == expected
    with sqlite3.connect(path) as table:
        assert table.execute("PRAGMA integrity_check").fetchone() == ("ok",)
