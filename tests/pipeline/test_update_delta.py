"""``paperkg build --update`` from the kept files (:mod:`paperkg.update`): the same
files and report as the full update, or the full update, saying why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from paperkg.ingest import read_inputs
from paperkg.layout import NEAR_FILE, RESOLUTION_FILE, VIEW_FILE
from tests.pipeline.test_update import build

CORPUS = Path(__file__).parents[2] / "src" / "paperkg" / "data" / "corpus"
DUMPS = sorted(CORPUS.glob("*.txt"))
FILES = ("graph.ttl", "graph.jsonld", "graph.graphml")
PROPORTIONAL = "proportional: only what the new papers change was made again"


def _folder(path: Path, dumps) -> Path:
    path.mkdir()
    for dump in dumps:
        shutil.copy(dump, path / dump.name)
    return path


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def _same_files(one: Path, other: Path, page: bool = False) -> None:
    for name in FILES + (("graph.html",) if page else ()):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name
    assert (one / "graph.html").exists() == page


@pytest.fixture(scope="module")
def three_dumps(tmp_path_factory) -> Path:
    """A build of the bundled corpus's first three listings, with its page."""
    root = tmp_path_factory.mktemp("delta")
    first = _folder(root / "first", DUMPS[:3])
    assert build(str(first), "--out", str(root / "built")) == 0
    return root


def _copy_build(three_dumps: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(three_dumps / "built", out)
    return out


# "auto": both updates draw the page, from the drawn papers the earlier page kept;
# "sample": the first draws none (it keeps the page's data), the second reads the
# papers it draws from the state file
@pytest.mark.parametrize("validate, pages", [("auto", (True, True)),
                                             ("sample", (False, True))])
def test_two_updates_from_the_kept_files_give_a_full_builds_files(three_dumps, tmp_path,
                                                                   validate, pages):
    out = _copy_build(three_dumps, tmp_path)
    forced = tmp_path / "forced"  # the same updates the full way: no kept resolution
    shutil.copytree(out, forced)
    for dump, page in zip(DUMPS[3:], pages, strict=True):
        options = ["--validate", validate] + ([] if page else ["--no-html"])
        assert build("--update", str(dump), "--out", str(out), *options) == 0
        (forced / RESOLUTION_FILE).unlink()
        assert build("--update", str(dump), "--out", str(forced), *options) == 0
        report, full_way = _report(out), _report(forced)
        assert report["update"].pop("path") == PROPORTIONAL
        assert full_way["update"].pop("path") == \
            f"full: the earlier build kept no {RESOLUTION_FILE}"
        assert report == full_way  # the counts, near-duplicates, validation, every line
        _same_files(out, forced, page)
        assert (out / VIEW_FILE).read_bytes() != b""
    full = tmp_path / "full"
    assert build(str(_folder(tmp_path / "all", DUMPS)), "--out", str(full),
                 "--validate", validate) == 0
    _same_files(out, full, page=True)
    whole = _report(full)
    assert (report["papers"], report["entities"], report["edges"], report["html"]) == (
        whole["papers"], whole["entities"], whole["edges"], whole["html"])
    assert report["near_duplicates"] == whole["near_duplicates"]
    if validate == "sample":
        assert "changed nodes checked now" in report["validation"]


def test_an_update_draws_the_page_of_a_full_build_from_a_build_without_one(
        three_dumps, tmp_path):
    earlier = _folder(tmp_path / "first", DUMPS[:3])
    out = tmp_path / "out"
    assert build(str(earlier), "--out", str(out), "--no-html") == 0
    assert build("--update", str(DUMPS[3]), "--out", str(out)) == 0
    assert _report(out)["update"]["path"] == PROPORTIONAL
    full = tmp_path / "full"
    assert build(str(_folder(tmp_path / "four", DUMPS[:4])), "--out", str(full)) == 0
    _same_files(out, full, page=True)


def test_an_update_that_draws_the_page_without_its_kept_data_is_the_full_update(
        three_dumps, tmp_path):
    out = _copy_build(three_dumps, tmp_path)
    (out / VIEW_FILE).unlink()
    # an update without the page needs no data for it, and keeps none
    assert build("--update", str(DUMPS[3]), "--out", str(out), "--no-html") == 0
    assert _report(out)["update"]["path"] == PROPORTIONAL
    assert not (out / VIEW_FILE).exists()
    assert build("--update", str(DUMPS[4]), "--out", str(out)) == 0
    assert _report(out)["update"]["path"] == f"full: the earlier build kept no {VIEW_FILE}"
    assert (out / "graph.html").exists() and (out / VIEW_FILE).exists()


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_damaged_kept_files_make_the_full_update(three_dumps, tmp_path, damage):
    out = _copy_build(three_dumps, tmp_path)
    if damage == "missing":
        (out / NEAR_FILE).unlink()
    else:
        (out / RESOLUTION_FILE).write_bytes(b"\x28\xb5\x2f\xfd not zstd")
    assert build("--update", str(DUMPS[3]), "--out", str(out), "--no-html") == 0
    path = _report(out)["update"]["path"]
    assert path.startswith("full: ") and (NEAR_FILE in path or RESOLUTION_FILE in path)
    # the full update kept the files again: the next one is proportional
    assert build("--update", str(DUMPS[4]), "--out", str(out), "--no-html") == 0
    assert _report(out)["update"]["path"] == PROPORTIONAL


def test_a_record_that_adds_to_an_earlier_paper_makes_the_full_update(three_dumps, tmp_path):
    out = _copy_build(three_dumps, tmp_path)
    first = read_inputs([DUMPS[0]]).papers[0]
    again = tmp_path / "again.jsonl"  # the first paper again, now with an arXiv id
    again.write_text(json.dumps({"title": first.title, "abstract": first.abstract,
                                 "arxiv_id": "2501.00001"}) + "\n")
    assert build("--update", str(again), "--out", str(out), "--no-html") == 0
    report = _report(out)
    assert report["update"]["path"].startswith("full: a record of the earlier paper")
    assert report["duplicates"] == 1


def test_an_updates_shacl_sample_is_the_full_graphs(three_dumps, resources, extractor):
    from io import StringIO

    from paperkg.export.rdf import write_rdf
    from paperkg.graph import build_graph
    from paperkg.pipeline import _sample_graph
    from paperkg.resolve import resolve
    from paperkg.resolve.spread import spread_names
    from paperkg.state import fingerprint, load_state
    from paperkg.update import _sample, kept_build, read_new, resolve_update

    out = three_dumps / "built"
    kept = kept_build(out, fingerprint())
    _, papers, _ = read_new([DUMPS[3]], "auto", kept, out)
    new = extractor.extract(papers)
    update_in, delta, links, lineage, entities = resolve_update(kept, new, out, resources, ())
    earlier = load_state(out, fingerprint())
    every = spread_names(earlier + new, resources.is_stopped, len(earlier))
    graph = build_graph([e.paper for e in every],
                        resolve(every, resources, spread=False, curation=False))

    def turtle(sample) -> str:
        buffer = StringIO()
        write_rdf(sample, buffer, "turtle")
        return buffer.getvalue()

    sample = _sample(kept, update_in, delta, links, entities, lineage, out)
    assert sum(1 for _, d in sample.nodes(data=True) if d["node_type"] == "Paper") == 100
    assert turtle(sample) == turtle(_sample_graph(graph))


def test_an_updates_layout_and_validation_run_in_the_helper(three_dumps, tmp_path,
                                                           monkeypatch):
    """The page's layout (1.8 s of a 10k update) and pyshacl run on the other core
    while the update copies the earlier files; the files are those of the update
    that runs them here."""
    from dataclasses import replace

    import paperkg.helper
    from paperkg.pipeline import BuildOptions
    from paperkg.pipeline import build as build_here

    submitted = []
    submit = paperkg.helper.Helper.submit
    monkeypatch.setattr(paperkg.helper.Helper, "submit", lambda self, fn, *args, **kwargs: (
        submitted.append((fn.__name__, self.enabled)) or submit(self, fn, *args, **kwargs)))
    out, here = _copy_build(three_dumps, tmp_path), tmp_path / "here"
    shutil.copytree(out, here)
    options = BuildOptions(progress=False, timings=False, update=True)
    report = build_here([DUMPS[3]], out, replace(options, helper=True))
    assert report.update["path"] == PROPORTIONAL
    jobs = [name for name, enabled in submitted if enabled]
    assert {"force_layout", "validate_turtle_file"} <= set(jobs)
    submitted.clear()
    build_here([DUMPS[3]], here, replace(options, helper=False))
    assert not [name for name, enabled in submitted if enabled]
    _same_files(out, here, page=True)


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def test_a_new_name_in_the_middle_of_an_earlier_cluster_is_counted_from_its_papers(tmp_path):
    """A new paper coins "Zor-Blax", which the spread finds in an earlier paper that
    comes before the last of the cluster of "Zorblax" (the same name key): the order
    of the cluster's names changes, so its aggregates are counted again from its
    papers, read from the state, rather than the whole update made again."""
    earlier = _jsonl(tmp_path / "earlier.jsonl", [
        {"id": "p1", "title": "Zorblax: fast routing", "abstract": "We propose Zorblax, a router."},
        {"id": "p2", "title": "Routing compared", "abstract": "We compare with Zor-Blax here."},
        {"id": "p3", "title": "More routing", "abstract": "Zorblax is fast, and we use it."},
    ])
    new = _jsonl(tmp_path / "new.jsonl", [
        {"id": "n1", "title": "Zor-Blax: a router",
         "abstract": "We propose Zor-Blax, a router for experts."},
    ])
    out, full = tmp_path / "out", tmp_path / "full"
    assert build(str(earlier), "--out", str(out)) == 0
    assert build("--update", str(new), "--out", str(out)) == 0
    assert _report(out)["update"]["path"] == PROPORTIONAL
    assert build(str(earlier), str(new), "--out", str(full)) == 0
    _same_files(out, full, page=True)
    assert "Zor-Blax" in (out / "graph.ttl").read_text()
    # the state it left: a next update that names the cluster again is a full build's
    again = _jsonl(tmp_path / "again.jsonl", [
        {"id": "n2", "title": "Routing at scale", "abstract": "Zorblax and Zor-Blax scale."}])
    assert build("--update", str(again), "--out", str(out)) == 0
    assert _report(out)["update"]["path"] == PROPORTIONAL
    assert build(str(earlier), str(new), str(again), "--out", str(full)) == 0
    _same_files(out, full, page=True)
