"""The whole build: read -> extract -> resolve -> graph -> export, written atomically.

>>> import tempfile
>>> from paperkg.pipeline import build
>>> report = build(out_dir=tempfile.mkdtemp(), html=False, progress=False)  # doctest: +SKIP
"""

from __future__ import annotations

import gc
import io
import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import partial
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from paperkg.commit import (
    commit,
    complete_commit,
    one_build_at_a_time,
    pending,
    remove_stale_staging,
)
from paperkg.errors import BuildError, PaperKGError
from paperkg.export.batches import Sizes
from paperkg.export.check import check_graph
from paperkg.export.graphml import write_graphml
from paperkg.export.rdf import write_rdf, write_rdf_files
from paperkg.export.report import BuildReport
from paperkg.export.reuse import (
    GRAPHML_FILE,
    RDF_FILES,
    ExportIndex,
    Reuse,
    index_from_sizes,
    plan_reuse,
    save_index,
    signatures,
)
from paperkg.export.shacl import validate_turtle, validate_turtle_file
from paperkg.extract.parallel import extract_all, extract_papers
from paperkg.extract.resources import load_resources
from paperkg.graph import build_graph
from paperkg.graph.build import paper_node
from paperkg.graph.delta import sample_papers
from paperkg.helper import Helper, Job, preload
from paperkg.ingest import ReadResult, read_inputs
from paperkg.ingest.inputs import input_files
from paperkg.layout import NEAR_FILE, PLACES_FILE, STATE_FILE, VIEW_FILE
from paperkg.records import Extraction, Paper
from paperkg.resolve.curation import NearDuplicates
from paperkg.resolve.delta import Fallback, resolve_keeping
from paperkg.resolve.merges import load_merges
from paperkg.resolve.spread import SPREAD_RULE, spread_names
from paperkg.state import Place, append_state, fingerprint, load_state, save_state, state_end
from paperkg.update import load_places, paper_identities, save_kept, save_near, update
from paperkg.view.kept import ViewData, save_view_data

if TYPE_CHECKING:
    from paperkg.view.graph_html import ViewPlan

log = logging.getLogger(__name__)
_RULE, _MENTIONS = attrgetter("rule"), attrgetter("mentions")

#: above this many triples, ``validate="auto"`` checks a sample of papers instead of all
FULL_VALIDATION_LIMIT = 100_000
#: papers in the pyshacl sample of a large build
SAMPLE_PAPERS = 100
#: from this many papers on, a helper process lists the near-duplicates, lays out
#: the view, runs the SHACL validation and formats part of the RDF and GraphML text
#: (:mod:`paperkg.helper`)
HELPER_MIN_PAPERS = 10_000


@dataclass(frozen=True)
class BuildOptions:
    """Options of :func:`build` beyond inputs and output folder."""

    fmt: str = "auto"
    resource_dirs: tuple[str, ...] = ()
    #: ``auto`` (all when small, a sample when large), ``full``, ``sample`` or ``off``
    validate: str = "auto"
    html: bool = True
    html_min_support: int = 2
    progress: bool = True
    timings: bool = True
    #: extraction processes (0: one per CPU; small inputs always use one)
    jobs: int = 0
    #: add ``inputs`` to the build already in the output folder, extracting only new papers
    update: bool = False
    #: use a helper process for the exports' jobs that need no graph (None: from
    #: HELPER_MIN_PAPERS on)
    helper: bool | None = None


@dataclass(frozen=True)
class _KeptState:
    """The earlier build's state file, as an update can add to it
    (:func:`~paperkg.state.append_state`)."""

    #: where its count begins (:func:`~paperkg.state.state_end`)
    end: int
    #: for each of its extractions, whether the update's is that very one (loaded, and
    #: reused with its paper as read then)
    same: list[bool]


class _Timer:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:  # a stage may run in parts: the parts add up
            self.stages[name] = round(self.stages.get(name, 0.0) + time.perf_counter() - start, 3)


def build(inputs: Sequence[str | Path] | None = None, out_dir: str | Path = "outputs",
          options: BuildOptions | None = None) -> BuildReport:
    """Build the knowledge graph of ``inputs`` (the bundled sample corpus if none)
    and write it to ``out_dir``. A build that fails leaves ``out_dir`` as it was."""
    with _fewer_collections(), one_build_at_a_time(Path(out_dir)):
        return _build(inputs, out_dir, options or BuildOptions())


#: an update whose input files hold at most this many bytes (about 2,000 abstracts)
#: extracts their papers in a helper process while it loads the earlier build's
#: state; larger inputs are extracted after it, by one process per CPU
EARLY_EXTRACTION_BYTES = 4 << 20
#: ... when that state is at least this large (about 7,000 papers), and so takes long
#: enough to load (0.2 s at 7,000 papers, 3 s at 100,000; the helper takes about 2 s
#: to load spaCy and extract)
EARLY_STATE_BYTES = 4 << 20


#: generation-0 threshold of the cyclic garbage collector during a build
GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections():
    """Run the cyclic garbage collector less often while a build allocates millions of
    long-lived objects (mentions, graph attributes) that are never cyclic garbage.
    Four builds of 10k papers each way took 58.6 s against 62.8 s on average (the
    runs varied by several seconds on the shared machine), a few MB more memory."""
    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _no_collection():
    """No cyclic collection inside, for a stage that allocates millions of objects
    that are never cyclic garbage; the collector is put back as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Collector:
    """Runs no cyclic collection while resolution and the graph are made, then
    freezes the process's objects until :meth:`release`.

    Resolution and the graph allocate millions of containers (mentions, links,
    graph attributes) that are never cyclic garbage, and the collector's passes
    over them took 2.4 s of the last 68 s of a 100k-paper build (0.1 s with
    this). Re-enabled as it was, the collector would scan them all at its next
    pass: :func:`gc.freeze` moves every object it tracks, in the whole process,
    out of its reach instead. Frozen objects are still freed when no longer
    referred to, but cyclic garbage among them (a networkx graph is cyclic) only
    after :meth:`release`. A process that had frozen objects of its own is left as
    it was: nothing is frozen for it, and nothing unfrozen.
    """

    def __init__(self) -> None:
        self._freeze = gc.get_freeze_count() == 0
        self._frozen = False

    @contextmanager
    def paused(self):
        with _no_collection():
            try:
                yield
            finally:
                if self._freeze:
                    gc.freeze()
                    self._frozen = True

    def release(self) -> None:
        """Unfreeze what :meth:`paused` froze."""
        if self._frozen:
            gc.unfreeze()
            self._frozen = False


def _build(inputs: Sequence[str | Path] | None, out_dir: str | Path,
           options: BuildOptions) -> BuildReport:
    timer = _Timer()
    report = BuildReport()
    if options.resource_dirs:  # a wrong folder fails before minutes of reading
        load_resources(options.resource_dirs)
        load_merges(options.resource_dirs)
    if Path(out_dir).is_dir():  # a build stopped while it replaced the outputs: finish it
        complete_commit(Path(out_dir))
    previous: list[Extraction] = []
    end = early = None
    collector = _Collector()
    try:
        with ExitStack() as helpers:
            if options.update:
                early = _extract_early(inputs, out_dir, options, helpers)
                done: dict[str, Extraction] = {}
                try:  # from the kept files alone, in time proportional to the new papers
                    return update(inputs, Path(out_dir), options, timer, report,
                                  fingerprint(options.resource_dirs), early, done)
                except Fallback as why:
                    log.info("update: the whole graph is made again: %s", why)
                    timer.stages.clear()
                    report = BuildReport(update={"path": f"full: {why}"})
                    early = _Done(done) if done else early
                # the earlier build's papers and extractions (3-6 s at 100k)
                # frozen once loaded: the collector's next pass would scan them all (0.7 s
                # at 100k papers) and find no garbage
                with timer.stage("load-state"), collector.paused():
                    previous = load_state(out_dir, fingerprint(options.resource_dirs))
                    end = state_end(out_dir)
            return _read_and_finish(inputs, out_dir, options, timer, report, previous,
                                    collector, end, early)
    finally:
        collector.release()


def _extract_early(inputs: Sequence[str | Path] | None, out_dir: str | Path,
                   options: BuildOptions, helpers: ExitStack) -> _Early | None:
    """The extraction of an update's input papers, started in a helper process (a
    fresh interpreter, which loads spaCy and the pipeline on the other core) for the
    caller to take while it loads the earlier build's state; None for inputs larger
    than EARLY_EXTRACTION_BYTES, or that cannot be read (the read after the state
    says why), for a smaller state (see EARLY_STATE_BYTES; ``options.helper``
    decides instead when set), or without a helper. Extraction depends only on a
    paper's key, title and abstract: the caller takes each result whose paper still
    has them (:func:`_extract`)."""
    if not inputs or options.helper is False:
        return None
    try:
        state = (Path(out_dir) / STATE_FILE).stat().st_size
        if options.helper is None and state < EARLY_STATE_BYTES:
            return None
        files = input_files(inputs)
        if sum(file.path.stat().st_size for file in files) > EARLY_EXTRACTION_BYTES:
            return None
        with _silent_logs():  # the read after the state says what it skips, once
            papers = read_inputs(inputs, options.fmt).papers
    except (PaperKGError, OSError):
        return None
    helper = helpers.enter_context(Helper())
    return _Early(helper.submit(extract_papers, papers, tuple(options.resource_dirs)), helpers)


@contextmanager
def _silent_logs():
    """No log record inside (the level that ``logging.disable`` set is put back)."""
    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(before)


@dataclass
class _Done:
    """Papers extracted already (by an update that fell back), as :class:`_Early`
    gives them."""

    extracted: dict[str, Extraction]

    def take(self, papers: Sequence[Paper]) -> dict[str, Extraction]:
        made = self.extracted
        return {p.key: made[p.key] for p in papers if p.key in made
                and _same_text(made[p.key].paper, p)}


@dataclass
class _Early:
    """An update's input papers, being extracted in a helper process
    (:func:`_extract_early`)."""

    job: Job
    #: ends the helper process
    helpers: ExitStack

    def take(self, papers: Sequence[Paper]) -> dict[str, Extraction]:
        """The extractions the helper made of ``papers`` (by key) from the same title
        and abstract; the helper process ends."""
        try:
            made = {e.paper.key: e for e in self.job.result()}
        finally:
            self.helpers.close()
        return {p.key: made[p.key] for p in papers if p.key in made
                and _same_text(made[p.key].paper, p)}


def _read_and_finish(inputs: Sequence[str | Path] | None, out_dir: str | Path,
                     options: BuildOptions, timer: _Timer, report: BuildReport,
                     previous: list[Extraction], collector: _Collector,
                     end: int | None = None, early: _Early | None = None) -> BuildReport:
    with timer.stage("read"):
        read = read_inputs(inputs, options.fmt, previous=[e.paper for e in previous])
    report.files = list(read.files)
    report.records, report.duplicates = read.records, read.duplicates
    report.add_skips(read.skips)
    report.warnings = list(getattr(read, "warnings", ()))
    if previous:
        log.info("read %d records from %s; %d papers with the %d of the build before",
                 read.records, _files(read), len(read.papers), len(previous))
    else:
        log.info("read %s from %s", _count(len(read.papers), "paper"), _files(read))

    with timer.stage("extract"):
        extractions = _extract(read.papers, previous, options, report, early)
    earlier = _earlier_in_order(extractions, previous)
    kept = None
    if earlier and end is not None:  # the state's file is kept, and the update's lines added
        kept = _KeptState(end, [now is before for now, before
                                in zip(extractions, previous, strict=False)])
    previous.clear()  # the reused extractions are in ``extractions`` now
    return finish(read, extractions, out_dir, options, timer, report, earlier=earlier,
                  collector=collector, kept_state=kept)


def _earlier_in_order(extractions: Sequence[Extraction], previous: Sequence[Extraction]) -> int:
    """``len(previous)`` if ``extractions`` start with all of them, in their order
    and reused as they were (their spread still holds: see
    :func:`~paperkg.resolve.spread.spread_names`), else 0."""
    if len(extractions) < len(previous):
        return 0
    same = all(now.mentions is before.mentions and now.paper.key == before.paper.key
               for now, before in zip(extractions, previous, strict=False))  # the first ones
    return len(previous) if same else 0


def _files(read: ReadResult) -> str:
    return _count(len(read.files), "file")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def finish(read: ReadResult, extractions: list[Extraction], out_dir: str | Path,
           options: BuildOptions, timer: _Timer | None = None,
           report: BuildReport | None = None, *, earlier: int = 0,
           collector: _Collector | None = None,
           kept_state: _KeptState | None = None) -> BuildReport:
    """Resolve, link and write a build from papers already read and extracted (by
    :func:`build`, or by a distributed engine: see :mod:`paperkg.distributed`).

    ``earlier``: the first ``earlier`` extractions are an earlier build's, as its
    state kept them, in its order (an update); see
    :func:`~paperkg.resolve.spread.spread_names`.

    The build takes ``extractions`` over: the list is emptied once the names its
    papers coin are spread; the spread extractions go to the state file and the
    resolution, and are let go before the exports.
    It changes the process's garbage collection while it runs (see
    :class:`_Collector`: ``collector``, the caller's, which it releases) and puts it
    back before it returns.
    ``kept_state``: an update's, of the earlier state file in ``out_dir`` whose first
    ``earlier`` extractions these are; the update adds to that file the lines of the
    extractions that changed (:func:`_changed`) instead of writing them all.
    """
    timer = timer or _Timer()
    if report is None:
        report = BuildReport(files=list(read.files), records=read.records,
                             duplicates=read.duplicates, warnings=list(read.warnings))
        report.add_skips(read.skips)
    print_ = fingerprint(options.resource_dirs)
    resources = load_resources(options.resource_dirs)
    # what extraction found, as in a full build (C functions mapped over the mentions)
    rules = Counter(map(_RULE, chain.from_iterable(map(_MENTIONS, extractions))))
    rules.pop(SPREAD_RULE, None)
    report.mentions_by_rule = dict(sorted(rules.items()))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    complete_commit(out)
    remove_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=out))
    collector = collector or _Collector()
    use_helper = (options.helper if options.helper is not None
                  else len(read.papers) >= HELPER_MIN_PAPERS)
    try:
        with Helper(enabled=use_helper) as helper:
            # the helper starts now, and imports what its jobs need, while this
            # process resolves: an update's short exports soon wait for its layout
            helper.submit(preload, "paperkg.resolve.curation", "paperkg.view.layout")
            with collector.paused():
                with timer.stage("resolve"):  # the state keeps the spread for the next update
                    spread = spread_names(extractions, resources.is_stopped, earlier)
                    changed = _changed(spread, extractions, kept_state, earlier)
                    extractions.clear()
                with timer.stage("state"):
                    places = _places(out, changed, spread, earlier)
                    if places is None:  # no places kept for the earlier lines: all written
                        changed, places = None, []
                    if changed is None:
                        save_state(staging / STATE_FILE, spread, print_, places)
                    else:
                        added: list[Place] = []
                        append_state(staging / STATE_FILE, out / STATE_FILE, kept_state.end,
                                     changed, len(spread), added)
                        places.update((e.paper.key, place)
                                      for e, place in zip(changed, added, strict=True))
                        places = [places[e.paper.key] for e in spread]
                    if options.update:
                        report.update["state"] = _state_line(changed, len(spread))
                    del changed
                with timer.stage("resolve"):
                    resolution, kept = resolve_keeping(spread, resources,
                                                       load_merges(options.resource_dirs))
                    # for report.json and the next update: the helper finds them while
                    # this process goes on
                    near = helper.submit(NearDuplicates.of, [
                        (e.type.value, e.label) for e in resolution.entities.values()])
                with timer.stage("state"):  # what the next update reads
                    save_kept(staging, kept, places, paper_identities(read.papers), print_)
                    del kept, places
                del spread
                with timer.stage("graph"):
                    graph = build_graph(read.papers, resolution)
            report.add_graph(graph, resolution)
            view = None
            if options.html:
                from paperkg.view.graph_html import plan_graph_html

                with timer.stage("html"):
                    view = plan_graph_html(graph, min_support=options.html_min_support)
            with timer.stage("state"):  # what the next update draws its page from
                view_data = ViewData.of(read.papers, resolution.links,
                                        [node.removeprefix("paper:")
                                         for node in (view.selection.papers if view else ())])
            del resolution
            _write_all(graph, view, staging, out, options, report, timer, helper)
            near_duplicates = near.result()
            report.add_near_duplicates(near_duplicates.top())
            with timer.stage("state"):
                save_near(staging / NEAR_FILE, near_duplicates)
                save_view_data(staging / VIEW_FILE, view_data)
        report_and_commit(report, timer, options, staging, out)
    finally:
        try:
            if not pending(out, staging):  # else the next build completes the commit from it
                shutil.rmtree(staging, ignore_errors=True)
        finally:
            collector.release()
    return report


def report_and_commit(report: BuildReport, timer: _Timer, options: BuildOptions,
                      staging: Path, out: Path) -> None:
    """Write report.json, with the stages' timings, and move the outputs in place."""
    report.timings = timer.stages
    with open(staging / "report.json", "w", encoding="utf-8") as stream:
        report.write(stream, timings=options.timings)
    commit(staging, out)


def _changed(spread: Sequence[Extraction], extractions: Sequence[Extraction],
             kept: _KeptState | None, earlier: int) -> list[Extraction] | None:
    """The extractions of ``spread`` that the earlier state does not hold as they are:
    earlier papers whose extraction or paper changed, then the new papers (None
    without ``kept``)."""
    if kept is None or earlier != len(kept.same):
        return None
    changed = [now for now, before, same in zip(spread, extractions, kept.same, strict=False)
               if not (same and now is before)]
    return changed + list(spread[earlier:])


def _places(out: Path, changed: list[Extraction] | None, spread: Sequence[Extraction],
            earlier: int) -> dict[str, Place] | list[Place] | None:
    """Where the state's lines will be: for a full write, an empty list to fill; for
    an update that adds to the earlier state (``changed``), the earlier papers' places
    by key, or None if the earlier build kept none."""
    if changed is None:
        return []
    found = load_places(out / PLACES_FILE, earlier)
    if found is None:
        return None
    return {e.paper.key: place for e, place in zip(spread[:earlier], found, strict=True)}


def _state_line(changed: list[Extraction] | None, papers: int) -> str:
    """How an update wrote the state, for ``report.json``."""
    if changed is None:
        return f"wrote the extractions of {papers:,} papers"
    return f"added the extractions of {len(changed):,} of {papers:,} papers to the earlier state"


def _extract(papers: Sequence[Paper], previous: Sequence[Extraction], options: BuildOptions,
             report: BuildReport, early: _Early | None = None) -> list[Extraction]:
    """Extractions of ``papers``, reusing an earlier build's for papers it already had
    (same key, title and abstract), so an update extracts only the new ones; those
    ``early`` extracted (:func:`_extract_early`) are taken from it."""
    cached = {e.paper.key: e for e in previous}
    reuse = {p.key for p in papers if p.key in cached and _same_text(cached[p.key].paper, p)}
    todo = [p for p in papers if p.key not in reuse]
    fresh = early.take(todo) if early is not None else {}
    rest = [p for p in todo if p.key not in fresh]
    with tqdm(total=len(todo), desc="extract", unit="paper",
              disable=None if options.progress else True) as bar:
        bar.update(len(fresh))
        if rest:
            from paperkg.extract.pipeline import Settings  # spaCy: only to extract here

            settings = Settings(resource_dirs=options.resource_dirs)
            fresh.update((e.paper.key, e)
                         for e in extract_all(rest, settings, options.jobs, bar.update))
    if options.update:
        report.update.update({"papers_before": len(previous), "reused": len(reuse),
                              "extracted": len(todo)})
    return [_with_paper(cached[p.key] if p.key in reuse else fresh[p.key], p) for p in papers]


def _same_text(extracted: Paper, paper: Paper) -> bool:
    """Whether an extraction of ``extracted`` is one of ``paper`` (of the same key):
    extraction reads only the key, title and abstract."""
    return (extracted.title, extracted.abstract) == (paper.title, paper.abstract)


def _with_paper(extraction: Extraction, paper: Paper) -> Extraction:
    """``extraction`` of ``paper``: itself when it is of that very paper (an update
    reads the earlier papers again as they were, unless a record merged into one)."""
    return extraction if extraction.paper is paper else replace(extraction, paper=paper)


def _write_all(graph, view: ViewPlan | None, staging: Path, out: Path, options: BuildOptions,
               report: BuildReport, timer: _Timer, helper: Helper) -> None:
    """Write every output into ``staging``. The exports walk the graph one after the
    other in this process: the graph is the largest thing a build holds, and a second
    process walking it would hold a second copy (copy-on-write pages are copied as
    soon as Python touches an object's reference count). The view's layout and the
    SHACL validation need no graph; for a large graph a helper process runs them,
    and formats part of the RDF and GraphML files' text while this process walks
    the graph. An update copies the text of the nodes that did not change from
    the earlier files in ``out`` (:mod:`paperkg.export.reuse`), in threads, while
    it validates and draws the page."""
    copies: Reuse | None = None
    try:
        layout = None
        if view is not None:  # its layout is made meanwhile (``view``: the page's plan)
            with timer.stage("html"):
                function, args, kwargs = view.layout_call
                layout = helper.submit(function, *args, **kwargs)
        files = _Files(graph, staging, helper)
        with timer.stage("rdf"):
            signature = signatures(graph)
            reuse, why = plan_reuse(graph, signature, out) if options.update else (None, "")
            if reuse is not None:
                report.triples, reuse, why = _reusing(
                    reuse, partial(reuse.write_rdf, background=True), staging)
            copies = reuse  # its threads copy the earlier text meanwhile
            if reuse is None:
                report.triples = files.rdf()
        with timer.stage("validate"):
            if reuse is not None and _reads_turtle(options.validate, report.triples):
                reuse, why = files.settle(reuse, why)  # pyshacl reads graph.ttl
            # the nodes an update copied passed the earlier build's checks
            changed = reuse.changed() if reuse is not None and reuse.previous.checked \
                else None
            validation = _validate(graph, staging / "graph.ttl", options.validate,
                                   report.triples, helper, changed)
        with timer.stage("graphml"):
            if reuse is not None:
                _, reuse, why = _reusing(reuse, partial(reuse.write_graphml, background=True),
                                         staging)
            if reuse is None:
                files.graphml()
        if view is not None and layout is not None:
            with timer.stage("html"):
                stats = view.write(str(staging / "graph.html"), layout.result())
                report.html = {k: getattr(stats, k) for k in stats.__dataclass_fields__}
        with timer.stage("graphml"):  # the copies end: the files are whole
            if copies is not None:
                settled, why = files.settle(copies, why)
                reuse = reuse if settled is not None else None
            index = reuse.index() if reuse is not None else files.index(signature)
            if index is not None:
                index.checked = options.validate != "off"
                save_index(index, staging)
        if options.update:
            report.update["exports"] = _reuse_line(graph, reuse, why)
        with timer.stage("validate"):  # pyshacl runs in the helper while the page is drawn
            report.validation = validation()
    finally:
        if copies is not None:  # a build stopping on an error lets its copies end first
            copies.abandon()


def _reads_turtle(mode: str, triples: int) -> bool:
    """Whether the validation (:func:`_validate`) reads graph.ttl, not the graph."""
    return mode == "full" or (mode == "auto" and triples <= FULL_VALIDATION_LIMIT)


class _Files:
    """The export files of a build formatted in full, and their sizes for the index
    the next update reads (:func:`~paperkg.export.reuse.index_from_sizes`)."""

    def __init__(self, graph, staging: Path, helper: Helper) -> None:
        self.graph, self.staging, self.helper = graph, staging, helper
        self.rdf_sizes: Sizes | None = None
        self.graphml_sizes: Sizes | None = None

    def rdf(self) -> int:
        """Write graph.ttl and graph.jsonld; returns the number of triples."""
        self.rdf_sizes = Sizes()
        return write_rdf_files(self.graph, {"turtle": self.staging / "graph.ttl",
                                            "json-ld": self.staging / "graph.jsonld"},
                               helper=self.helper, sizes=self.rdf_sizes)

    def graphml(self) -> None:
        """Write graph.graphml."""
        self.graphml_sizes = Sizes()
        write_graphml(self.graph, str(self.staging / "graph.graphml"), helper=self.helper,
                      sizes=self.graphml_sizes)

    def index(self, signature: dict[str, bytes]) -> ExportIndex | None:
        """The index of the files, when all were formatted in full; else None."""
        if self.rdf_sizes is None or self.graphml_sizes is None:
            return None
        return index_from_sizes(self.graph, signature, self.rdf_sizes, self.graphml_sizes)

    def settle(self, reuse: Reuse, why: str) -> tuple[Reuse | None, str]:
        """Wait for ``reuse``'s copies and return it, or, if one failed, format its
        files in full instead and return None and why (graph.graphml is formatted
        again with the RDF files, so that one index describes them)."""
        try:
            reuse.wait()
        except OSError as err:
            log.warning("copying from the earlier build's files failed (%s); formatting "
                        "every node's text", err)
            rdf_failed = not reuse.failed.isdisjoint(RDF_FILES.values())
            if rdf_failed:
                self.rdf()
            if GRAPHML_FILE in reuse.failed or (rdf_failed and GRAPHML_FILE in reuse.files):
                self.graphml()
            return None, f"copying from the earlier files failed ({err})"
        return reuse, why


def _reusing(reuse: Reuse, write, staging: Path) -> tuple[object, Reuse | None, str]:
    """``write(staging)``, one of ``reuse``'s writers, and the reuse to go on with;
    if reading the earlier files fails, no reuse and why (the caller formats the
    file in full)."""
    try:
        return write(staging), reuse, ""
    except OSError as err:
        log.warning("copying from the earlier build's files failed (%s); formatting "
                    "every node's text", err)
        return None, None, f"copying from the earlier files failed ({err})"


def _reuse_line(graph, reuse: Reuse | None, why: str) -> str:
    """The report's line on the text an update copied from the earlier files."""
    nodes = graph.number_of_nodes()
    if reuse is None:
        line = f"formatted every node's text: {why}"
    else:
        line = f"copied the text of {reuse.count:,} of {nodes:,} nodes from the earlier files"
    log.info("exports: %s", line)
    return line


def _validate(graph, turtle: Path, mode: str, triples: int, helper: Helper | None = None,
              changed: list[str] | None = None, sample=None):
    """Start validating the build; returns what finishes it: a function that gives
    the report's line, or raises :class:`BuildError` on a violation.

    ``full`` runs pyshacl over every triple (the sample corpus's 37,000 in about
    2 s);
    ``sample`` runs pyshacl over an evenly spaced sample of papers with their
    entities and lineage, after :func:`check_graph` has checked the invariants
    the shapes state over the whole graph in plain Python (over ``changed``
    only, when given: an update's nodes whose text it formatted, the others
    having passed the earlier build's checks); ``auto`` picks ``full`` up to
    100k triples. pyshacl runs in ``helper`` when given. ``sample``: what makes the
    sample's graph, when ``graph`` is not the whole graph (an update's changed nodes:
    see :mod:`paperkg.update`).
    """
    modes = ("auto", "full", "sample", "off")
    if mode not in modes:
        raise BuildError(f"unknown validation mode {mode!r}; choose from {', '.join(modes)}")
    if mode == "off":
        return lambda: "skipped (--validate off)"
    helper = helper or Helper(enabled=False)
    if mode == "full" or (mode == "auto" and triples <= FULL_VALIDATION_LIMIT):
        job = helper.submit(validate_turtle_file, str(turtle))
        label = f"conforms to ontology/shapes.ttl ({triples} triples)"
    else:
        problems = check_graph(graph, nodes=changed)
        if problems:
            raise BuildError(f"the graph violates ontology/shapes.ttl: {problems[0]}")
        sample = _sample_graph(graph) if sample is None else sample()
        buffer = io.StringIO()
        write_rdf(sample, buffer, "turtle")
        job = helper.submit(validate_turtle, buffer.getvalue())
        papers = sum(1 for _, d in sample.nodes(data=True) if d["node_type"] == "Paper")
        checked = "" if changed is None else \
            f" ({len(changed)} changed nodes checked now, the others by the build before)"
        label = (f"all {triples} triples pass the structural checks{checked}; a sample of "
                 f"{papers} papers conforms to ontology/shapes.ttl")
    return lambda: _conforms(job, label)


def _conforms(job: Job, label: str) -> str:
    conforms, text = job.result()
    if not conforms:
        first = next((line.strip() for line in text.splitlines() if "Message" in line), text[:200])
        raise BuildError(f"the graph violates ontology/shapes.ttl: {first}")
    return label


def _sample_graph(graph, size: int = SAMPLE_PAPERS):
    """The papers of :func:`~paperkg.graph.delta.sample_papers` with their entities,
    their lineage and the entities' parents."""
    keep = {paper_node(key) for key in sample_papers(
        node[6:] for node, data in graph._node.items() if data["node_type"] == "Paper")}
    for paper in list(keep):
        keep.update(graph.successors(paper))
    for entity in [n for n in keep if n.startswith("entity:")]:
        keep.update(graph.successors(entity))
    sample = graph.subgraph(keep).copy()
    for _, _, attrs in sample.edges(data=True):
        if attrs["relation"] == "derivedFrom":
            attrs["papers"] = tuple(p for p in attrs["papers"] if f"paper:{p}" in keep)
    return sample
