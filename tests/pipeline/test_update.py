"""Incremental builds: an update equals a full rebuild, keeps IRIs, extracts only new papers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zstandard
from rdflib import Graph
from rdflib.namespace import RDF

from paperkg.cli import main
from paperkg.layout import RESOLUTION_FILE, STATE_FILE
from paperkg.state import fingerprint, load_state, state_end

FIXTURES = Path(__file__).parent.parent / "fixtures"
GRAPH_FILES = ("graph.ttl", "graph.jsonld", "graph.graphml", "graph.html")


def split_fixture(tmp_path: Path) -> tuple[Path, Path, Path]:
    lines = (FIXTURES / "papers.jsonl").read_text().splitlines(keepends=True)
    first, second, both = tmp_path / "first.jsonl", tmp_path / "second.jsonl", tmp_path / "all"
    first.write_text("".join(lines[:2]))
    second.write_text("".join(lines[2:]))
    both.mkdir()
    (both / "a.jsonl").write_text("".join(lines[:2]))
    (both / "b.jsonl").write_text("".join(lines[2:]))
    return first, second, both


def build(*args: str) -> int:
    return main(["-q", "build", *args, "--no-timings", "--no-progress"])


def entity_iris(path: Path) -> set[str]:
    graph = Graph().parse(path, format="turtle")
    return {str(s) for s in graph.subjects(RDF.type, None) if "/entity/" in str(s)}


def test_update_equals_full_rebuild_and_keeps_iris(tmp_path):
    first, second, both = split_fixture(tmp_path)
    updated, full = tmp_path / "updated", tmp_path / "full"
    assert build(str(first), "--out", str(updated)) == 0
    before = entity_iris(updated / "graph.ttl")
    assert build("--update", str(second), "--out", str(updated)) == 0
    assert build(str(both), "--out", str(full)) == 0
    for name in GRAPH_FILES:
        assert (updated / name).read_bytes() == (full / name).read_bytes(), name
    assert before <= entity_iris(updated / "graph.ttl")
    report = json.loads((updated / "report.json").read_text())
    assert report["update"] == {
        "path": "proportional: only what the new papers change was made again",
        "papers_before": 2, "reused": 2, "extracted": 2,
        "state": "added the extractions of 2 of 4 papers to the earlier state",
        "exports": "copied the text of 10 of 31 nodes from the earlier files"}
    assert report["papers"] == 4 and report["records"] == 2


def sample_papers(path: Path, first: int, last: int) -> Path:
    """Papers ``first`` to ``last`` of the bundled corpus as JSON Lines."""
    from paperkg.ingest import read_inputs

    papers = read_inputs(None).papers[first:last]
    with path.open("w") as stream:
        for paper in papers:
            stream.write(json.dumps({"id": paper.key, "title": paper.title,
                                     "abstract": paper.abstract, "date": paper.date,
                                     "authors": list(paper.authors)}) + "\n")
    return path


def earlier_and_new(tmp_path: Path, earlier: int, new: int) -> tuple[Path, Path, Path]:
    """A build of the first ``earlier`` papers of the bundled corpus in ``updated``;
    the next ``new`` papers' file; and a folder of both files for a full build."""
    before = sample_papers(tmp_path / "before.jsonl", 0, earlier)
    added = sample_papers(tmp_path / "new.jsonl", earlier, earlier + new)
    updated, both = tmp_path / "updated", tmp_path / "both"
    both.mkdir()
    for path in (before, added):
        (both / path.name).write_text(path.read_text())
    assert build(str(before), "--out", str(updated), "--no-html") == 0
    return updated, added, both


def test_an_update_copies_the_text_of_unchanged_nodes_and_equals_a_full_rebuild(tmp_path):
    updated, new, both = earlier_and_new(tmp_path, 60, 4)
    full = tmp_path / "full"
    assert build("--update", str(new), "--out", str(updated), "--no-html") == 0
    assert build(str(both), "--out", str(full), "--no-html") == 0
    for name in GRAPH_FILES[:3]:
        assert (updated / name).read_bytes() == (full / name).read_bytes(), name
    line = json.loads((updated / "report.json").read_text())["update"]["exports"]
    copied, nodes = (int(n.replace(",", "")) for n in line.split()[4:7:2])
    assert line.startswith("copied the text of") and nodes * 0.5 < copied < nodes

    # graph.ttl edited since: the update formats every node, and says why
    again = sample_papers(tmp_path / "again.jsonl", 64, 66)
    (both / again.name).write_text(again.read_text())
    with (updated / "graph.ttl").open("a") as stream:
        stream.write("# a note\n")
    assert build("--update", str(again), "--out", str(updated), "--no-html") == 0
    assert build(str(both), "--out", str(full), "--no-html") == 0
    assert json.loads((updated / "report.json").read_text())["update"]["exports"] == \
        "formatted every node's text: graph.ttl changed since the earlier build"
    for name in GRAPH_FILES[:3]:
        assert (updated / name).read_bytes() == (full / name).read_bytes(), name


def test_an_updates_timings_count_loading_the_earlier_build(tmp_path):
    first, second, _ = split_fixture(tmp_path)
    out = tmp_path / "out"
    options = ["--no-progress", "-q", "--out", str(out)]
    assert main(["build", str(first), *options]) == 0
    assert "load-state" not in json.loads((out / "report.json").read_text())["timings"]
    assert main(["build", "--update", str(second), *options]) == 0
    timings = json.loads((out / "report.json").read_text())["timings"]
    assert list(timings)[:3] == ["load-state", "read", "extract"]
    assert timings["load-state"] >= 0


def test_update_counts_a_paper_read_again_as_a_duplicate(tmp_path):
    first, _, _ = split_fixture(tmp_path)
    out = tmp_path / "out"
    assert build(str(first), "--out", str(out)) == 0
    assert build("--update", str(first), "--out", str(out)) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["papers"] == 2 and report["duplicates"] == 2
    assert report["update"]["extracted"] == 0


def test_update_refuses_a_build_made_with_other_resources(tmp_path, capsys):
    first, second, _ = split_fixture(tmp_path)
    out, extra = tmp_path / "out", tmp_path / "res"
    extra.mkdir()
    (extra / "stoplist.jsonl").write_text('{"term": "Guanaco"}\n')
    assert build(str(first), "--out", str(out)) == 0
    assert build("--update", str(second), "--out", str(out), "--resources", str(extra)) == 2
    assert "full build" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--update"], ["--update", "x.jsonl"]])
def test_update_without_inputs_or_earlier_build_is_an_error(tmp_path, capsys, args):
    (tmp_path / "x.jsonl").write_text((FIXTURES / "papers.jsonl").read_text())
    assert build(*[str(tmp_path / a) if a.endswith(".jsonl") else a for a in args],
                 "--out", str(tmp_path / "empty")) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("damage", ["compressed", "header", "lines", "header only", "cut"])
def test_update_over_a_damaged_state_is_a_one_line_error(tmp_path, capsys, damage):
    """A state cut at the end of a line (a whole compressed stream) lost papers silently."""
    import zstandard

    from paperkg.state import STATE_FILE

    first, second, _ = split_fixture(tmp_path)
    out = tmp_path / "out"
    assert build(str(first), "--out", str(out)) == 0
    state = out / STATE_FILE
    data = state.read_bytes()
    if damage == "compressed":  # a valid zstd frame header, then a stream that breaks
        broken = bytearray(data)
        broken[len(broken) // 2] ^= 0xFF
        state.write_bytes(bytes(broken))
    elif damage == "cut":  # the compressed file itself cut short
        state.write_bytes(data[: len(data) // 2])
    elif damage == "header":  # a zstd file whose first line is JSON, but not the header
        state.write_bytes(zstandard.compress(b"[]\n"))
    else:  # cut after some papers, or after the header: a whole compressed stream
        lines = zstandard.ZstdDecompressor().decompressobj().decompress(data).splitlines(
            keepends=True)
        state.write_bytes(zstandard.compress(b"".join(lines[:3 if damage == "lines" else 1])))
    # the full update reads the whole state (the proportional one reads the frames it
    # needs, each checked by its checksum, and copies the others)
    (out / RESOLUTION_FILE).unlink()
    capsys.readouterr()
    assert build("--update", str(second), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the earlier build's state" in err
    if damage in ("lines", "header only"):
        assert "it is incomplete" in err
    if damage == "compressed":  # found by the decompressor, not by chance in the JSON
        assert "zstd decompress error" in err


def test_an_older_versions_state_asks_for_a_full_build_which_removes_it(tmp_path, capsys):
    """Earlier versions kept a gzip state; an update over one says what to do, and
    the next full build leaves no stale state file behind."""
    from paperkg.layout import LEGACY_STATE_FILES, STATE_FILE

    first, second, _ = split_fixture(tmp_path)
    out = tmp_path / "out"
    assert build(str(first), "--out", str(out)) == 0
    (out / STATE_FILE).unlink()
    legacy = out / LEGACY_STATE_FILES[0]
    legacy.write_bytes(b"\x1f\x8b old state")
    capsys.readouterr()
    assert build("--update", str(second), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "older paperkg" in err and "full build" in err
    assert build(str(first), "--out", str(out)) == 0
    assert not legacy.exists() and (out / STATE_FILE).exists()


def test_a_second_build_into_the_same_folder_waits_for_the_first(tmp_path, caplog):
    """Two updates at once each added their papers to the state they had read, and the
    one finishing last dropped the other's: now the second starts when the first ends."""
    import fcntl
    import threading

    from paperkg.layout import BUILD_LOCK_FILE
    from paperkg.pipeline import BuildOptions
    from paperkg.pipeline import build as run_build

    first, second, _ = split_fixture(tmp_path)
    out = tmp_path / "out"
    assert build(str(first), "--out", str(out)) == 0
    codes = []
    with open(out / BUILD_LOCK_FILE, "a+b") as held:  # a build in progress
        fcntl.flock(held, fcntl.LOCK_EX)
        options = BuildOptions(update=True, progress=False)
        update = threading.Thread(target=lambda: codes.append(
            run_build([second], out, options).papers))
        update.start()
        update.join(3.0)
        assert update.is_alive() and not codes  # waiting, not writing
    update.join(60)
    assert codes == [4]
    assert "another paperkg build is writing" in caplog.text
    assert json.loads((out / "report.json").read_text())["papers"] == 4


@pytest.mark.parametrize("validate", ["auto", "sample"])
@pytest.mark.parametrize("failing", ["graph.ttl", "graph.graphml"])
def test_an_update_whose_copies_fail_formats_the_files_in_full(tmp_path, monkeypatch, failing,
                                                                validate):
    """Reading the earlier files failing mid-way (a disk error, a file cut short since)
    is not the update's end: it formats the text instead. The copies run in threads;
    a full validation waits for graph.ttl, a sample one does not (the failure is
    found at the end)."""
    import errno

    from paperkg.export import reuse
    from paperkg.layout import EXPORT_INDEX_FILE

    updated, new, both = earlier_and_new(tmp_path, 40, 2)
    full = tmp_path / "full"
    copy_range = reuse._Splicer._copy_range

    def broken(self, offset, length):
        if self.source.name.endswith(failing):
            raise OSError(errno.EIO, "Input/output error")
        return copy_range(self, offset, length)

    monkeypatch.setattr(reuse._Splicer, "_copy_range", broken)
    assert build("--update", str(new), "--out", str(updated), "--no-html",
                 "--validate", validate) == 0
    assert build(str(both), "--out", str(full), "--no-html") == 0
    for name in GRAPH_FILES[:3]:
        assert (updated / name).read_bytes() == (full / name).read_bytes(), name
    update = json.loads((updated / "report.json").read_text())["update"]
    assert update["exports"] == "formatted every node's text: copying from the earlier " \
        "files failed ([Errno 5] Input/output error)"
    assert update["path"] == "full: copying from the earlier files failed ([Errno 5] " \
        "Input/output error)"
    # GraphML formatted after the RDF text was copied: no index describes both
    assert (updated / EXPORT_INDEX_FILE).exists() == (failing == "graph.ttl")


def test_an_update_checks_the_nodes_it_formats_when_the_build_before_checked_the_rest(tmp_path):
    out = tmp_path / "out"
    assert build(str(sample_papers(tmp_path / "a.jsonl", 0, 40)), "--out", str(out), "--no-html",
                 "--validate", "off") == 0
    parts = [sample_papers(tmp_path / f"{i}.jsonl", 40 + 2 * i, 42 + 2 * i) for i in (1, 2)]
    lines = []
    for part in parts:
        assert build("--update", str(part), "--out", str(out), "--no-html",
                     "--validate", "sample") == 0
        lines.append(json.loads((out / "report.json").read_text())["validation"])
    # the first build checked nothing: its update checks every node
    assert lines[0].startswith("all ") and "changed nodes" not in lines[0]
    checked = int(lines[1].split("(")[1].split()[0])
    assert 0 < checked < 100 and "checked now, the others by the build before" in lines[1]


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


#: earlier papers, one coining SPERO and two writing Zorblax, which a new paper coins
EARLIER = [
    {"id": "e1", "title": "Sparse routing",
     "abstract": "We propose Sparse Expert Routing (SPERO)."},
    {"id": "e2", "title": "Routing at scale", "abstract": "SPERO is compared with Zorblax."},
    {"title": "Other things", "abstract": "Nothing coined here; Zorblax is fast."},
]
NEW = [
    {"id": "n1", "title": "Zorblax: fast routing", "abstract": "We propose Zorblax, a router."},
    {"id": "n2", "title": "More routing", "abstract": "Zorblax and SPERO beat the rest."},
]


@pytest.mark.parametrize("again", [False, True], ids=["new papers", "an earlier paper merged"])
def test_an_update_spreads_new_names_over_the_earlier_papers_as_a_full_build(
        tmp_path, monkeypatch, again):
    import paperkg.pipeline as pipeline

    new = NEW + ([{"id": "2401.00001", **EARLIER[2]}] if again else [])
    both = tmp_path / "both"
    both.mkdir()
    earlier = _jsonl(both / "a.jsonl", EARLIER)
    added = _jsonl(both / "b.jsonl", new)
    updated, full = tmp_path / "updated", tmp_path / "full"
    assert build(str(earlier), "--out", str(updated)) == 0
    state, end = (updated / STATE_FILE).read_bytes(), state_end(updated)
    (updated / RESOLUTION_FILE).unlink()  # the full update's spread (the proportional
    seen = []  # one's is tests/pipeline/test_update_delta.py's)

    def spread(extractions, generic, earlier=0):
        seen.append(earlier)
        return spread_names(extractions, generic, earlier)

    spread_names = pipeline.spread_names
    monkeypatch.setattr(pipeline, "spread_names", spread)
    assert build("--update", str(added), "--out", str(updated)) == 0
    # the earlier papers' spread holds, unless one of them changed (the title-only
    # paper merged with a record with an arXiv id changes its key)
    assert seen == [0 if again else 3]
    assert build(str(both), "--out", str(full)) == 0
    for name in GRAPH_FILES:
        assert (updated / name).read_bytes() == (full / name).read_bytes(), name
    reports = [json.loads((out / "report.json").read_text()) for out in (updated, full)]
    assert reports[0]["mentions_by_rule"] == reports[1]["mentions_by_rule"]
    assert "corpus-name" not in reports[0]["mentions_by_rule"]
    turtle = (updated / "graph.ttl").read_text()
    assert turtle.count('pk:rule "corpus-name"') >= 2  # Zorblax found in the earlier papers

    # the state holds what a full build's holds, in its order. With the earlier papers
    # in order, the update kept the earlier file up to its count and added the lines
    # of the new papers and of the two earlier papers where Zorblax was found
    assert load_state(updated, fingerprint()) == load_state(full, fingerprint())
    now = (updated / STATE_FILE).read_bytes()
    assert now.startswith(state[:end]) is not again
    if not again:
        added_lines = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(now[end:]), read_across_frames=True).read().splitlines()
        keys = [json.loads(line)["paper"][0] for line in added_lines[:-1]]
        assert sorted(keys) == sorted(["id:e2", keys[1], "id:n1", "id:n2"])
        assert keys[1].startswith("title:")  # the paper with no id
        assert json.loads(added_lines[-1]) == {"papers": 5}


@pytest.mark.parametrize("case", ["helper", "large input", "no helper process"])
def test_an_update_extracts_its_papers_in_a_helper_while_it_loads_the_state(
        tmp_path, monkeypatch, case):
    """With a helper, the new papers are extracted in it while the earlier state loads;
    an input too large for that, or a helper that cannot start, extracts them here.
    Each way the files are a full build's."""
    from dataclasses import replace

    import paperkg.helper
    import paperkg.pipeline as pipeline

    first, second, both = split_fixture(tmp_path)
    updated, full = tmp_path / "updated", tmp_path / "full"
    options = pipeline.BuildOptions(progress=False, timings=False, helper=True)
    pipeline.build([first], updated, options)
    here, extract_all = [], pipeline.extract_all

    def extracting_here(papers, *args, **kwargs):
        here.extend(p.key for p in papers)
        return extract_all(papers, *args, **kwargs)

    monkeypatch.setattr(pipeline, "extract_all", extracting_here)
    if case == "large input":
        monkeypatch.setattr(pipeline, "EARLY_EXTRACTION_BYTES", 10)
    if case == "no helper process":
        def cannot_start():
            raise OSError("no processes left")

        monkeypatch.setattr(paperkg.helper, "_start", cannot_start)
    report = pipeline.build([second], updated, replace(options, update=True))
    assert report.update["extracted"] == 2
    assert len(here) == (2 if case == "large input" else 0)
    pipeline.build([both], full, options)
    for name in GRAPH_FILES:
        assert (updated / name).read_bytes() == (full / name).read_bytes(), name


def test_an_update_whose_papers_a_helper_extracts_loads_no_spacy(tmp_path):
    """spaCy and the pipeline take the build's process about 1.5 s to load."""
    import subprocess
    import sys

    first, second, _ = split_fixture(tmp_path)
    assert build(str(first), "--out", str(tmp_path / "out")) == 0
    code = ("import sys; from paperkg.pipeline import BuildOptions, build; "
            f"build([{str(second)!r}], {str(tmp_path / 'out')!r}, "
            "BuildOptions(update=True, helper=True, progress=False)); "
            "print('spacy' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"


def test_an_update_that_reads_its_inputs_early_reports_a_skipped_record_once(
        tmp_path, caplog):
    """The helper's papers are read before the state loads, and read again after it:
    only the second read speaks."""
    import logging
    from dataclasses import replace

    import paperkg.pipeline as pipeline

    first, second, _ = split_fixture(tmp_path)
    updated = tmp_path / "updated"
    options = pipeline.BuildOptions(progress=False, timings=False, helper=True, html=False)
    pipeline.build([first], updated, options)
    with second.open("a") as stream:
        stream.write('{"title": "no abstract"}\nnot json\n')
    with caplog.at_level(logging.INFO):
        report = pipeline.build([second], updated, replace(options, update=True))
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("skipped")]
    assert len(skipped) == len(report.skipped) == 2
    assert report.update["extracted"] == 2 and logging.root.manager.disable == logging.NOTSET
