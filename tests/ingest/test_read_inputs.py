"""read_inputs: the bundled corpus, folders, identity across files, errors and counts."""

import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from paperkg.errors import InputError
from paperkg.ingest import (
    BUNDLED_NAME,
    FORMATS,
    READERS,
    bundled_corpus,
    iter_papers,
    read_inputs,
)
from paperkg.ingest.hf_listing import is_chrome
from paperkg.records import Paper, Skip

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"


def _consistent(result):
    assert result.records == len(result.papers) + result.duplicates + len(result.skips)
    assert len({paper.key for paper in result.papers}) == len(result.papers)


def test_bundled_corpus_holds_572_distinct_papers():
    result = read_inputs()
    assert len({paper.key for paper in result.papers}) == 572
    assert len(result.papers) == 572
    assert (result.records, result.duplicates, result.skips, result.warnings) == (685, 113, (), ())
    assert result.files == tuple(
        f"{BUNDLED_NAME}/{path.name}" for path in sorted(bundled_corpus().glob("*.txt"))
    )
    _consistent(result)


def test_bundled_corpus_titles_and_abstracts_are_whole():
    """No title is an abstract fragment, no abstract is missing or split."""
    for path in sorted(bundled_corpus().glob("*.txt")):
        papers = list(iter_papers(path))
        assert all(isinstance(paper, Paper) for paper in papers)
        lines = [line.removeprefix("Subscribe") for line in path.read_text().splitlines()]
        content = [line for line in lines if line.strip() and not is_chrome(line.strip())]
        assert len(content) == 2 * len(papers)  # every line is a title or an abstract
        assert [paper.title for paper in papers] == content[0::2]
        assert [paper.abstract for paper in papers] == content[1::2]
        for paper in papers:
            assert len(paper.title) < 200 and not paper.title.endswith(".")
            assert len(paper.abstract) > 450
            assert len(re.findall(r"[.!?] [A-Z]", paper.abstract)) >= 2
        line = int(papers[0].source.rsplit(":", 1)[1])
        assert lines[line - 1].strip() == papers[0].title


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not next to the repo")
def test_bundled_corpus_matches_the_shared_corpus():
    shipped = {path.name: path.read_bytes() for path in bundled_corpus().glob("*.txt")}
    assert shipped == {path.name: path.read_bytes() for path in CORPUS.glob("*.txt")}


def test_same_paper_from_jsonl_and_atom_is_one_paper():
    result = read_inputs([FIXTURES / "arxiv_snapshot.jsonl", FIXTURES / "arxiv_query.xml"])
    lora = [paper for paper in result.papers if paper.key == "arxiv:2106.09685"]
    assert len(lora) == 1
    assert lora[0].source.endswith("arxiv_snapshot.jsonl:2")  # first seen
    assert lora[0].url == "http://arxiv.org/abs/2106.09685v2"  # merged from the feed
    assert len(lora[0].authors) == 8  # the first record's authors are kept
    assert result.duplicates == 1
    _consistent(result)


def test_title_only_paper_takes_the_arxiv_id_of_its_duplicate():
    result = read_inputs([FIXTURES / "listing_compact.txt", FIXTURES / "daily_papers.json"])
    flacuna = result.papers[0]
    assert flacuna.key == "arxiv:2307.02053"
    assert flacuna.source.endswith("listing_compact.txt:3")
    assert flacuna.authors == ("Deepanway Ghosal", "Yew Ken Chia")
    assert [paper.key for paper in result.papers].count("arxiv:2309.05463") == 1
    assert len(result.papers) == 3 and result.duplicates == 2
    _consistent(result)


def test_doi_and_arxiv_records_of_one_paper_merge_to_the_arxiv_key(tmp_path):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("title,abstract,doi\nAttention,Abstract.,10.5555/3295222.3295349\n")
    result = read_inputs([csv_path, FIXTURES / "arxiv_query.xml"])
    keys = [paper.key for paper in result.papers]
    assert keys == ["arxiv:1706.03762", "arxiv:2106.09685"]
    assert result.papers[0].title == "Attention"


def test_folders_are_walked_sorted_and_hidden_files_ignored(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "papers.csv", tmp_path / "b" / "z.csv")
    shutil.copy(FIXTURES / "listing_blank.txt", tmp_path / "a.txt")
    shutil.copy(FIXTURES / "papers.jsonl", tmp_path / ".hidden.jsonl")
    shutil.copy(FIXTURES / "papers.jsonl", tmp_path / ".git" / "x.jsonl")
    (tmp_path / "README").write_text("Just some notes.\n")
    result = read_inputs([tmp_path])
    base = str(tmp_path)
    assert result.files == (f"{base}/README", f"{base}/a.txt", f"{base}/b/z.csv")
    assert Skip(f"{base}/README", None, "unrecognised format") in result.skips
    assert result.papers[0].source == f"{base}/a.txt:11"
    _consistent(result)


def test_explicit_file_of_unknown_format_raises(tmp_path):
    path = tmp_path / "notes"
    path.write_text("Just some notes.\n")
    with pytest.raises(InputError, match="cannot detect the format of .*notes"):
        read_inputs([path])


def test_forced_format(tmp_path):
    path = tmp_path / "papers.data"
    shutil.copy(FIXTURES / "papers.jsonl", path)
    assert len(read_inputs([path], fmt="jsonl").papers) == 3
    result = read_inputs([path, FIXTURES / "listing_blank.txt"], fmt="hf-listing")
    assert len(result.papers) == 3 and result.skips  # the JSON lines are not a listing


def test_missing_path_raises():
    with pytest.raises(InputError, match="^no such file or directory: nowhere/papers.jsonl$"):
        read_inputs(["nowhere/papers.jsonl"])
    with pytest.raises(InputError, match="no such file or directory"):
        iter_papers("nowhere.jsonl")


def test_unknown_format_name_raises():
    with pytest.raises(InputError, match="valid formats: auto, hf-listing"):
        read_inputs([FIXTURES / "papers.jsonl"], fmt="json")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\x00\x01binary", b"\xff\xfeu\x00t\x00"])
def test_inputs_without_papers_raise(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match="^no papers found in .*empty.jsonl"):
        read_inputs([path])


def test_empty_folder_raises(tmp_path):
    with pytest.raises(InputError, match=f"^no papers found in {re.escape(str(tmp_path))}$"):
        read_inputs([tmp_path])


def test_file_level_problems_are_skips(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "binary.csv").write_bytes(b"title,abstract\n\x00\x00\x00")
    shutil.copy(FIXTURES / "listing_blank.txt", tmp_path / "ok.txt")
    result = read_inputs([tmp_path])
    assert {(skip.path.rsplit("/", 1)[1], skip.reason) for skip in result.skips} == {
        ("empty.jsonl", "empty file"),
        ("binary.csv", "binary file (NUL bytes)"),
    }
    assert result.records == 5


def test_a_stray_nul_in_a_text_file_costs_its_row_not_the_file(tmp_path):
    """One NUL in the first 8 KB made the whole file "binary"; later on, it was
    removed with the other control characters, as now everywhere."""
    rows = [f"Paper {i},An abstract." for i in range(4)]
    rows[2] = rows[2].replace("An", "A\x00n")
    (tmp_path / "nul.csv").write_text("title,abstract\n" + "\n".join(rows) + "\n")
    (tmp_path / "nul.jsonl").write_text(
        '{"id": "a", "title": "T\\u0000", "abstract": "A"}\n{"id": "b", "title": "T", '
        '"abstract": "A\x00"}\n')
    result = read_inputs([tmp_path])
    assert sorted(p.title for p in result.papers) == [f"Paper {i}" for i in range(4)] + ["T"]
    assert {p.abstract for p in result.papers if p.title == "Paper 2"} == {"An abstract."}
    # a raw control character inside a JSON string is invalid JSON: that line's skip
    assert [(s.path.rsplit("/", 1)[1], s.line) for s in result.skips] == [("nul.jsonl", 2)]


def test_a_file_given_twice_is_read_once():
    path = FIXTURES / "listing_blank.txt"
    result = read_inputs([path, str(path)])
    assert result.files == (str(path),)
    assert (result.records, result.duplicates) == (3, 0)
    in_folder = read_inputs([path, FIXTURES])
    assert in_folder.files.count(str(path)) == 1 and len(in_folder.files) == 8


def test_every_skip_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="paperkg.ingest"):
        result = read_inputs([FIXTURES / "papers.jsonl"])
    logged = [record for record in caplog.records if "skipped" in record.getMessage()]
    assert len(logged) == len(result.skips) == 5
    assert "papers.jsonl:5: invalid JSON" in logged[0].getMessage()


def test_iter_papers_streams_a_folder():
    items = iter_papers(FIXTURES)
    first = next(items)
    assert isinstance(first, Paper) and first.source.endswith("arxiv_query.xml:8")
    assert sum(1 for _ in items) > 20


def test_every_format_has_a_reader():
    assert tuple(READERS) == FORMATS


def test_one_path_may_be_given_bare():
    assert len(read_inputs(FIXTURES / "listing_blank.txt").papers) == 3
    assert len(read_inputs(str(FIXTURES / "listing_blank.txt")).papers) == 3


@pytest.mark.parametrize("marker", [".paperkg-state.jsonl.zst", ".paperkg-state.jsonl.gz",
                                    ".paperkg-build.lock"])
def test_the_outputs_of_a_build_in_a_walked_folder_are_not_read(tmp_path, marker, caplog):
    """`paperkg build .` run twice: the second walk finds the first build's outputs."""
    shutil.copy(FIXTURES / "listing_blank.txt", tmp_path / "a.txt")
    out = tmp_path / "outputs"
    (out / "store" / "db").mkdir(parents=True)
    (out / marker).write_bytes(b"")
    paper = json.dumps({"id": "x1", "title": "A title", "abstract": "An abstract."}) + "\n"
    for name in ("graph.jsonld", "report.json", "graph.ttl", "store/db/000001.log"):
        (out / name).write_text(paper)  # a paper, were it read
    (out / "mine.jsonl").write_text(paper.replace("x1", "x2"))  # the user's own file
    with caplog.at_level(logging.INFO, logger="paperkg.ingest.inputs"):
        result = read_inputs([tmp_path])
    assert result.files == (f"{tmp_path}/a.txt", f"{tmp_path}/outputs/mine.jsonl")
    assert result.skips == () and "id:x2" in {paper.key for paper in result.papers}
    assert f"{out}: not reading graph.jsonld, graph.ttl, report.json, store/" in caplog.text


def test_files_named_like_outputs_are_read_outside_a_build_folder_or_when_named(tmp_path):
    paper = json.dumps({"id": "x1", "title": "A title", "abstract": "An abstract."}) + "\n"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "graph.jsonld").write_text(paper)  # no build wrote this folder
    built = tmp_path / "built"
    built.mkdir()
    (built / ".paperkg-state.jsonl.zst").write_bytes(b"")
    (built / "report.json").write_text(paper.replace("x1", "x2"))
    result = read_inputs([tmp_path / "mine", built / "report.json"])
    assert result.files == (f"{tmp_path}/mine/graph.jsonld", f"{built}/report.json")
    assert {paper.key for paper in result.papers} == {"id:x1", "id:x2"}


def test_control_characters_in_file_names_are_escaped_in_skips_and_messages(tmp_path, caplog):
    """A name holding a newline broke the one-line warning; ESC drove the terminal."""
    (tmp_path / "bad\x1b]0;PWNED\x07\nname.jsonl").write_text("{broken\n")
    shutil.copy(FIXTURES / "listing_blank.txt", tmp_path / "a.txt")
    with caplog.at_level(logging.WARNING):
        result = read_inputs([tmp_path])
    assert [(s.path, s.line) for s in result.skips] == \
        [(f"{tmp_path}/bad\\x1b]0;PWNED\\x07\\x0aname.jsonl", 1)]
    assert all("\x1b" not in r.getMessage() and "\n" not in r.getMessage()
               for r in caplog.records)


def test_pretty_printed_json_object_in_a_folder_is_not_read_as_lines(tmp_path):
    (tmp_path / "config.json").write_text('{\n  "title": "x",\n  "abstract": "y"\n}\n')
    shutil.copy(FIXTURES / "listing_blank.txt", tmp_path / "a.txt")
    result = read_inputs([tmp_path])
    assert result.skips == (Skip(f"{tmp_path}/config.json", None, "unrecognised format"),)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_files_are_not_read():
    with pytest.raises(InputError, match="not a regular file"):
        read_inputs(["/dev/zero"])


def test_a_duplicate_id_with_another_title_is_merged_with_a_warning(tmp_path):
    import json

    path = tmp_path / "ids.jsonl"
    path.write_text(
        json.dumps({"id": "x1", "title": "Scaling GPT-4", "abstract": "A"}) + "\n"
        + json.dumps({"id": "x1", "title": "Scaling GPT-4", "abstract": "A", "date": "2024-01-02"})
        + "\n" + json.dumps({"id": "x1", "title": "Probing BERT", "abstract": "B"}) + "\n")
    result = read_inputs([path])
    [paper] = result.papers
    assert paper.title == "Scaling GPT-4" and paper.date == "2024-01-02"
    assert result.duplicates == 2 and result.records == 3
    [warning] = result.warnings  # the same title read twice is no conflict
    assert warning.startswith(f"{path}:3: same identity as {path}:1")
    assert "'Probing BERT'" in warning and "merged into the first" in warning


def test_a_duplicate_with_another_abstract_keeps_the_first_with_a_warning(tmp_path):
    import json

    path = tmp_path / "ids.jsonl"
    path.write_text(
        json.dumps({"id": "x1", "title": "Scaling GPT-4", "abstract": "We scale it."}) + "\n"
        + json.dumps({"id": "x1", "title": "Scaling GPT-4", "abstract": "We  scale it. "}) + "\n"
        + json.dumps({"id": "x1", "title": "Scaling GPT-4", "abstract": "Revised."}) + "\n")
    result = read_inputs([path])
    [paper] = result.papers
    assert paper.abstract == "We scale it." and result.duplicates == 2
    [warning] = result.warnings  # a change of spacing is no conflict
    assert warning == (f"{path}:3: same paper as {path}:1 (id:x1) but another abstract; "
                       "kept the first")


def test_archives_and_prose_in_a_folder_are_skips_with_their_reason(tmp_path):
    import gzip
    import zipfile

    listing = (FIXTURES / "listing_blank.txt").read_bytes()
    (tmp_path / "day.txt").write_bytes(listing)
    (tmp_path / "day.txt.gz").write_bytes(gzip.compress(listing))
    with zipfile.ZipFile(tmp_path / "days.zip", "w") as archive:
        archive.writestr("day.txt", listing)
    (tmp_path / "NOTES.txt").write_text("## Commands\n\nRun the build.\n\nThen query it.\n")
    result = read_inputs([tmp_path])
    assert {(skip.path.rsplit("/", 1)[1], skip.reason) for skip in result.skips} == {
        ("day.txt.gz", "gzip-compressed files are not read; decompress it (gunzip) first"),
        ("days.zip", "zip archive files are not read; extract it (unzip) first"),
        ("NOTES.txt", "unrecognised format"),
    }
    assert result.records == len(result.papers) + result.duplicates + 3
    assert all("Commands" not in paper.title for paper in result.papers)


def test_deduplicate_gives_the_same_warnings_as_read_inputs(tmp_path):
    import json

    from paperkg.ingest import deduplicate

    path = tmp_path / "ids.jsonl"
    path.write_text(json.dumps({"id": "x1", "title": "Scaling GPT-4", "abstract": "A"}) + "\n"
                    + json.dumps({"id": "x1", "title": "Probing BERT", "abstract": "B"}) + "\n")
    warnings: list[str] = []
    papers, duplicates, first = deduplicate(list(iter_papers(path)), warnings)
    assert (len(papers), duplicates, first) == (1, 1, [0])
    assert warnings == list(read_inputs([path]).warnings) and len(warnings) == 1
