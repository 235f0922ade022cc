"""An update's exports written from the earlier build's text where a node did not change.

graph.ttl, graph.jsonld and graph.graphml print each node of the graph as two
runs of text (its *pieces*): in the RDF files its description, and further on
its links (a paper's mention links, an entity's lineage links); in GraphML its
``<node>`` element, and further on its ``<edge>`` elements. A piece depends on
nothing but its node: the node's id, its data and its outgoing edges, and which
of the papers its lineage links name are in the graph (see
:func:`paperkg.export.rdf.node_description` and :func:`~paperkg.export.rdf.node_links`).
A hash of those is the node's *signature*.

A build keeps an index next to its outputs (``EXPORT_INDEX_FILE``): each node's
signature and triples, and each piece's length in each file. An update makes the
whole new graph, as a full build does, then writes each file in order: the
pieces of a node whose signature is the one the index holds are copied from the
earlier file (``os.copy_file_range``: the kernel copies, no text is made; in a
build, threads copy while the build goes on), the others are formatted. Fifty new
papers on a 100k build change a few hundred of its 170,000 nodes: the new papers,
and the entities they mention (whose support changes).

The files are the same bytes as a full build's (tests compare them). The index is
used only when it describes the files in the folder and was written by the same
paperkg code (a hash of its source files): each file's size, modification time
and the hash of its first and last 64 KiB must be the ones it recorded. Else,
or when most nodes changed, every piece is formatted, and ``report.json`` says why.
The index also records whether the build's structural checks covered every node,
so that the next update checks only the nodes whose text it formats.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sys
import threading
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, islice
from pathlib import Path

import networkx as nx
import orjson
import zstandard

import paperkg
from paperkg.export import graphml, rdf
from paperkg.export.batches import Sizes
from paperkg.layout import EXPORT_INDEX_FILE

log = logging.getLogger(__name__)

#: the index's layout; an index of another is not read
FORMAT = 1
#: the RDF files, formatted together, and GraphML
RDF_FILES = {"turtle": "graph.ttl", "json-ld": "graph.jsonld"}
_FORMAT_OF = {name: fmt for fmt, name in RDF_FILES.items()}
GRAPHML_FILE = "graph.graphml"
#: bytes at each end of a file hashed to check it is the file the index describes
CHECK_BYTES = 1 << 16
#: an update whose nodes changed more than this share formats every piece, with
#: the helper process (copying gains little then)
MOST_CHANGED = 0.5


@lru_cache(maxsize=1)
def code_print() -> str:
    """A hash of paperkg's version and source files, and of Python's and its Unicode
    database's versions (IRIs are made with NFKD): text written by other code is
    not reused, even where it would be the same."""
    digest = hashlib.blake2b(f"paperkg {paperkg.__version__} exports {FORMAT} python "
                             f"{sys.version} unicode {unicodedata.unidata_version}".encode(),
                             digest_size=16)
    root = Path(paperkg.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def signatures(graph: nx.MultiDiGraph, only: Iterable[str] | None = None) -> dict[str, bytes]:
    """Each node's signature: a hash of its id, data and outgoing edges (in the
    graph's order), and of which papers its lineage links name are in the graph.
    A target's IRI is not hashed: it is minted from the target's id
    (:func:`paperkg.vocab.mint_text`), by the code :func:`code_print` hashes.
    Empty when a value is of a type JSON cannot hold (no node's text is reused then);
    ``b""`` for a node whose text is never reused. ``only``: these nodes' alone.
    """
    nodes, succ = graph._node, graph._succ
    dumps, blake2b = orjson.dumps, hashlib.blake2b
    result: dict[str, bytes] = {}
    items = nodes.items() if only is None else ((node, nodes[node]) for node in only)
    try:
        for node_id, data in items:
            out = succ[node_id]
            named: list = []
            if out and data.get("node_type") != "Paper":  # papers have no lineage links
                named = [[f"paper:{p}" in nodes for p in attrs.get("papers", ())]
                         for keyed in out.values() for attrs in keyed.values()]
            text = dumps((node_id, data, out, named))
            # orjson writes NaN and the infinities as null: a node with a null (or the
            # word in a text) gets no signature, and its text is formatted each time
            result[node_id] = b"" if b"null" in text else blake2b(text, digest_size=16).digest()
    except TypeError as err:
        log.debug("no signatures: %s", err)
        return {}
    return result


@dataclass
class FileIndex:
    """Where each node's two pieces are in one file."""

    #: the file's size, modification time (ns) and a hash of its ends
    check: list
    #: bytes before the first piece
    head: int
    #: each node's first piece's bytes, in the file's node order
    first: array
    #: each node's second piece's bytes, in the same order
    second: array

    def by_position(self, order: list[int]) -> tuple[tuple[array, array], tuple[array, array]]:
        """Each piece's offset in the file and its length, by the node's position in
        the index (``order``: the positions in the file's node order)."""
        size = len(order)
        starts = array("Q", bytes(8 * size)), array("Q", bytes(8 * size))
        lengths = array("Q", bytes(8 * size)), array("Q", bytes(8 * size))
        first_starts = accumulate(self.first, initial=self.head)
        second_starts = accumulate(self.second, initial=self.head + sum(self.first))
        for position, start, second_start, first, second in zip(
                order, first_starts, second_starts, self.first, self.second, strict=False):
            starts[0][position], starts[1][position] = start, second_start
            lengths[0][position], lengths[1][position] = first, second
        return starts, lengths


#: the index's entry for a node whose text is never reused (no hash gives it)
_NO_SIGNATURE = bytes(16)


@dataclass
class ExportIndex:
    """What a build's export files hold, node by node."""

    code: str
    #: node ids, sorted: the RDF files' order
    nodes: list[str]
    signatures: list[bytes]
    #: each node's triples in the RDF files
    triples: array
    #: GraphML's node order, as positions in ``nodes``
    graph_order: array
    files: dict[str, FileIndex]
    #: whether the structural checks (:func:`paperkg.export.check.check_graph`) passed
    #: on every node: this build's own, or an earlier one's for the nodes it copied
    checked: bool = False

    def to_json(self) -> bytes:
        return orjson.dumps({
            "format": FORMAT, "paperkg": paperkg.__version__, "code": self.code,
            "nodes": self.nodes,
            "signatures": b"".join(sign or _NO_SIGNATURE for sign in self.signatures).hex(),
            "triples": self.triples.tolist(), "graph_order": self.graph_order.tolist(),
            "checked": self.checked,
            "files": {name: {"check": f.check, "head": f.head, "first": f.first.tolist(),
                             "second": f.second.tolist()} for name, f in self.files.items()},
        })

    @classmethod
    def from_json(cls, data: bytes) -> ExportIndex:
        row = orjson.loads(data)
        if not isinstance(row, dict) or row.get("format") != FORMAT:
            raise ValueError("it is not an index this paperkg reads")
        blob = bytes.fromhex(row["signatures"])
        index = cls(
            code=row["code"], nodes=row["nodes"],
            signatures=[blob[i:i + 16] for i in range(0, len(blob), 16)],
            triples=array("Q", row["triples"]), graph_order=array("Q", row["graph_order"]),
            files={name: FileIndex(f["check"], f["head"], array("Q", f["first"]),
                                   array("Q", f["second"])) for name, f in row["files"].items()},
            checked=row.get("checked") is True)
        size = len(index.nodes)
        if not (len(index.signatures) == len(index.triples) == len(index.graph_order) == size
                and all(len(f.first) == len(f.second) == size for f in index.files.values())):
            raise ValueError("its columns differ in length")
        if any(a >= b for a, b in zip(index.nodes, index.nodes[1:], strict=False)):
            raise ValueError("its nodes are not sorted")
        if sorted(index.graph_order) != list(range(size)):
            raise ValueError("its GraphML order is not one of its nodes")
        for name, entry in index.files.items():
            end = len(graphml.END if name == GRAPHML_FILE else rdf.end_text(_FORMAT_OF[name]))
            if entry.head + sum(entry.first) + sum(entry.second) + end != entry.check[0]:
                raise ValueError(f"its pieces of {name} do not add up to the file's size")
        return index


def file_check(path: Path) -> list:
    """``[size, modification time in ns, hash of the first and last 64 KiB]``."""
    with open(path, "rb") as stream:
        info = os.fstat(stream.fileno())
        digest = hashlib.blake2b(stream.read(CHECK_BYTES), digest_size=16)
        stream.seek(max(0, info.st_size - CHECK_BYTES))
        digest.update(stream.read(CHECK_BYTES))
    return [info.st_size, info.st_mtime_ns, digest.hexdigest()]


def save_index(index: ExportIndex, folder: Path) -> None:
    """Write ``index`` into ``folder``, where the files it describes are, checking
    them as they are now."""
    for name, entry in index.files.items():
        entry.check = file_check(folder / name)
    compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
    (folder / EXPORT_INDEX_FILE).write_bytes(compressor.compress(index.to_json()))


def load_index(folder: Path) -> tuple[ExportIndex | None, str]:
    """The index of the build in ``folder`` if it holds, else None and why not."""
    path = folder / EXPORT_INDEX_FILE
    if not path.exists():
        return None, f"the earlier build kept no {EXPORT_INDEX_FILE}"
    try:
        with open(path, "rb") as stream:
            index = ExportIndex.from_json(zstandard.ZstdDecompressor().stream_reader(stream).read())
    except Exception as err:  # noqa: BLE001 - a damaged index only means formatting all
        return None, f"cannot read {path.name}: {err}"
    if index.code != code_print():
        return None, "the earlier build was written by other paperkg code"
    for name, entry in index.files.items():
        try:
            if file_check(folder / name) != entry.check:
                return None, f"{name} changed since the earlier build"
        except OSError as err:
            return None, f"cannot read the earlier {name}: {err.strerror or err}"
    if set(index.files) != {*RDF_FILES.values(), GRAPHML_FILE}:
        return None, "the index does not describe every export file"
    return index, ""


def index_from_sizes(graph: nx.MultiDiGraph, signature: dict[str, bytes], rdf_sizes: Sizes,
                     graphml_sizes: Sizes) -> ExportIndex | None:
    """The index of files a full build wrote (``rdf_sizes``, ``graphml_sizes``: what
    :func:`~paperkg.export.rdf.write_rdf_files` and
    :func:`~paperkg.export.graphml.write_graphml` recorded); None when there are no
    signatures or the graph's node and edge orders differ."""
    nodes, succ = graph._node, graph._succ
    if not signature or list(nodes) != list(succ):  # see _graph_order
        return None
    order = sorted(nodes)
    position = {node: i for i, node in enumerate(order)}
    degree = [sum(map(len, succ[node].values())) for node in order]
    graph_positions = _graph_order(graph, position)
    graph_degree = [degree[i] for i in graph_positions]
    try:
        files = {name: _pieces(rdf_sizes.heads[fmt], rdf_sizes.items[fmt], degree)
                 for fmt, name in RDF_FILES.items()}
        files[GRAPHML_FILE] = _pieces(graphml_sizes.heads["graphml"],
                                      graphml_sizes.items["graphml"], graph_degree)
        first, second = _split(rdf_sizes.triples, degree)
    except (KeyError, ValueError) as err:  # a writer that did not record its items
        log.warning("no index of the exports for the next update (%s): it will format "
                    "every node's text", err)
        return None
    triples = array("Q", map(sum, zip(first, second, strict=True)))
    return ExportIndex(code_print(), order, [signature[node] for node in order], triples,
                       graph_positions, files)


def _graph_order(graph: nx.MultiDiGraph, position: dict[str, int]) -> array:
    """GraphML's node order (the graph's), as positions in the sorted order. Its edges
    follow ``graph._succ``, the same order in a graph of
    :func:`paperkg.graph.build_graph` (the index is not made otherwise)."""
    return array("Q", map(position.__getitem__, graph._node))


def _pieces(head: int, items: array, degree: list[int]) -> FileIndex:
    first, second = _split(items, degree)
    return FileIndex([], head, first, second)


def _split(items: array, degree: list[int]) -> tuple[array, array]:
    """Per node, the first item (one per node, in order) and the sum of its ``degree``
    items after all the first ones."""
    size = len(degree)
    if len(items) != size + sum(degree):
        raise ValueError(f"{len(items)} items for {size} nodes and {sum(degree)} edges")
    rest = iter(items[size:])
    return array("Q", items[:size]), array("Q", (sum(islice(rest, d)) for d in degree))


class _Splicer:
    """Writes one file from new bytes and byte ranges of the earlier file.

    ``background``: the writes and copies are kept in order and made by a thread
    that :meth:`finish` starts (the kernel copies without holding the interpreter
    lock, so the build goes on meanwhile); :meth:`wait` joins it and raises what
    it met. Otherwise they are made as they come.
    """

    def __init__(self, target: Path, source: Path, starts: tuple[array, array],
                 lengths: tuple[array, array], *, background: bool = False):
        self.source = open(source, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        try:
            self.out = open(target, "wb", buffering=0)  # noqa: SIM115
        except BaseException:
            self.source.close()
            raise
        self.starts, self.lengths = starts, lengths
        self.buffer: list[bytes] = []
        self.buffered = 0
        self.run_start = self.run_end = 0
        #: the kernel copies until it says it cannot (another file system, say)
        self.kernel = hasattr(os, "copy_file_range")
        #: the lengths of the pieces written, first and second, in the file's node order
        self.pieces = array("Q"), array("Q")
        #: in the background: the bytes to write and the (offset, length) ranges to copy
        self.steps: list[bytes | tuple[int, int]] | None = [] if background else None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def write(self, data: bytes) -> None:
        self._copy()
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= 1 << 20:
            self._flush()

    def reuse(self, section: int, position: int) -> int:
        """Copy a node's piece of the earlier file (at ``position`` in the index)."""
        start, length = self.starts[section][position], self.lengths[section][position]
        if start != self.run_end or self.run_start == self.run_end:
            self._copy()
            self.run_start = start
        self.run_end = start + length
        return length

    def finish(self) -> None:
        """Write what is pending (in the background: start the thread that does)."""
        self._copy()
        self._flush()
        if self.steps is not None:
            self.thread = threading.Thread(target=self._run, daemon=True,
                                           name=f"paperkg-copy-{Path(self.out.name).name}")
            self.thread.start()

    def wait(self) -> None:
        """Join the background thread, close both files and raise what the thread met."""
        try:
            if self.thread is not None:
                self.thread.join()
        finally:
            self.thread = None
            self.close()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Close both files (:meth:`finish` first, unless the file is given up)."""
        try:
            self.out.close()
        finally:
            self.source.close()

    def _run(self) -> None:
        steps, self.steps = self.steps or [], None
        try:
            for step in steps:
                if isinstance(step, bytes):
                    _write_fully(self.out.fileno(), step)
                else:
                    self._copy_all(*step)
        except BaseException as err:  # noqa: BLE001 - raised again by wait()
            self.error = err

    def _flush(self) -> None:
        if self.buffer:
            data = b"".join(self.buffer)
            self.buffer.clear()
            self.buffered = 0
            if self.steps is not None:
                self.steps.append(data)
            else:
                _write_fully(self.out.fileno(), data)

    def _copy(self) -> None:
        if self.run_end == self.run_start:
            return
        self._flush()
        offset, left = self.run_start, self.run_end - self.run_start
        self.run_start = self.run_end = 0
        if self.steps is not None:
            self.steps.append((offset, left))
        else:
            self._copy_all(offset, left)

    def _copy_all(self, offset: int, left: int) -> None:
        while left:
            done = self._copy_range(offset, left)
            offset, left = offset + done, left - done

    def _copy_range(self, offset: int, length: int) -> int:
        """Copy up to ``length`` bytes at ``offset`` of the earlier file to the new one's
        end; the bytes copied."""
        source, target = self.source.fileno(), self.out.fileno()
        if self.kernel:
            try:
                done = os.copy_file_range(source, target, length, offset)
            except OSError as err:
                if err.errno not in _NO_KERNEL_COPY:
                    raise
                self.kernel = False  # read and write from now on
            else:
                if done > 0:
                    return done
        data = os.pread(source, min(length, 1 << 20), offset)
        if not data:
            raise OSError(errno.EIO, f"the earlier {Path(self.source.name).name} ended at "
                                     f"byte {offset}")
        _write_fully(target, data)
        return len(data)


#: what ``copy_file_range`` says when it cannot copy between these files
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM,
                   getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def plan_reuse(graph: nx.MultiDiGraph, signature: dict[str, bytes],
               earlier: Path) -> tuple[Reuse | None, str]:
    """How an update writes its exports: from the files of the build in ``earlier``
    where it can, else (None, why not)."""
    previous, why = load_index(earlier)
    if previous is None:
        return None, why
    reuse = Reuse(graph, signature, previous, earlier)
    if not reuse.worthwhile:
        return None, (f"{len(reuse.order) - reuse.count:,} of {len(reuse.order):,} nodes "
                      "changed")
    return reuse, ""


class Reuse:
    """An update's exports from the earlier files (see the module's docstring)."""

    def __init__(self, graph: nx.MultiDiGraph, signature: dict[str, bytes],
                 previous: ExportIndex, earlier: Path):
        self.graph, self.signature = graph, signature
        self.previous, self.earlier = previous, earlier
        self.order = sorted(graph._node)
        #: each node's position in ``order``
        self.position = {node: i for i, node in enumerate(self.order)}
        known = {node: i for i, node in enumerate(previous.nodes)}
        first = self.order[0] if self.order else None
        #: each node's position in the earlier index if its pieces are reused, else -1
        self.reused = array("q", [-1]) * len(self.order)
        for i, node in enumerate(self.order):
            at, sign = known.get(node), signature.get(node)
            # the first node's JSON-LD object has no comma before it
            if at is not None and sign and previous.signatures[at] == sign \
                    and (node == first) == (at == 0):
                self.reused[i] = at
        self.count = sum(1 for at in self.reused if at >= 0)
        self.triples = array("Q", bytes(8 * len(self.order)))
        self.files: dict[str, FileIndex] = {}
        #: splicers still copying in the background (see :meth:`wait`)
        self.pending: list[_Splicer] = []
        #: the files whose copying failed (see :meth:`wait`)
        self.failed: set[str] = set()

    @property
    def worthwhile(self) -> bool:
        return self.count > (1 - MOST_CHANGED) * len(self.order)

    def write_rdf(self, folder: Path, *, background: bool = False) -> int:
        """Write the RDF files into ``folder``; returns the number of triples.

        ``background``: threads copy the earlier text while the caller goes on; the
        files are whole only after :meth:`wait`.
        """
        nodes, succ = self.graph._node, self.graph._succ
        formats = tuple(RDF_FILES)
        splicers = self._splicers(folder, RDF_FILES.values(), range(len(self.previous.nodes)),
                                  background)
        try:
            heads = [rdf.start_text(fmt) for fmt in formats]
            for head, splicer in zip(heads, splicers, strict=True):
                splicer.write(head)
            for section in (0, 1):
                for i, node in enumerate(self.order):
                    at = self.reused[i]
                    if at >= 0:
                        for splicer in splicers:
                            splicer.pieces[section].append(splicer.reuse(section, at))
                        if section == 0:
                            self.triples[i] = self.previous.triples[at]
                        continue
                    items = [rdf.node_description(nodes, succ, node)] if section == 0 \
                        else rdf.node_links(nodes, succ, node)
                    self.triples[i] += sum(map(rdf.subject_triples, items))
                    texts = rdf.format_subjects(items, formats, section == 0 and i == 0)
                    for splicer, (text, _) in zip(splicers, texts, strict=True):
                        splicer.write(text)
                        splicer.pieces[section].append(len(text))
            for fmt, splicer in zip(formats, splicers, strict=True):
                splicer.write(rdf.end_text(fmt))
                splicer.finish()
        except BaseException:
            self._give_up(splicers)
            raise
        self._done(splicers)
        for name, head, splicer in zip(RDF_FILES.values(), heads, splicers, strict=True):
            self.files[name] = FileIndex([], len(head), *splicer.pieces)
        return sum(self.triples)

    def write_graphml(self, folder: Path, *, background: bool = False) -> None:
        """Write graph.graphml into ``folder`` (``background``: see :meth:`write_rdf`)."""
        nodes, succ = self.graph._node, self.graph._succ
        position = self.position
        (splicer,) = self._splicers(folder, [GRAPHML_FILE], self.previous.graph_order,
                                    background)
        try:
            head = graphml.start_text()
            splicer.write(head)
            for section, order in ((0, nodes), (1, succ)):  # graph.edges() goes by succ
                for node in order:
                    at = self.reused[position[node]]
                    if at >= 0:
                        splicer.pieces[section].append(splicer.reuse(section, at))
                        continue
                    items = [(node, nodes[node])] if section == 0 else \
                        [(node, target, key, attrs) for target, keyed in succ[node].items()
                         for key, attrs in keyed.items()]
                    text, _ = graphml.format_elements(items)
                    splicer.write(text)
                    splicer.pieces[section].append(len(text))
            splicer.write(graphml.END)
            splicer.finish()
        except BaseException:
            self._give_up([splicer])
            raise
        self._done([splicer])
        self.files[GRAPHML_FILE] = FileIndex([], len(head), *splicer.pieces)

    def wait(self) -> None:
        """Wait for the background copies to end; raises the first error one met
        (an :class:`OSError` when reading the earlier files failed)."""
        pending, self.pending = self.pending, []
        error = None
        for splicer in pending:
            try:
                splicer.wait()
            except BaseException as err:  # noqa: BLE001 - the first is raised below
                self.failed.add(Path(splicer.out.name).name)
                error = error or err
        if error is not None:
            raise error

    def abandon(self) -> None:
        """Let the background copies end, whatever they met (a build stopping on an
        error of its own)."""
        self._give_up(self.pending)
        self.pending = []

    def _done(self, splicers: list[_Splicer]) -> None:
        """The splicers wrote everything: close them, or wait for them in :meth:`wait`."""
        if any(splicer.thread is not None for splicer in splicers):
            self.pending.extend(splicers)
        else:
            _close(splicers)

    def _give_up(self, splicers: list[_Splicer]) -> None:
        """Stop on an error: let any thread end, and close the files; the error
        being raised is the one that counts."""
        for splicer in splicers:
            try:
                splicer.wait()
            except BaseException:  # noqa: BLE001 - the caller raises its own
                pass

    def changed(self) -> list[str]:
        """The nodes whose text is formatted: new, changed, or coming first or no more."""
        return [node for node, at in zip(self.order, self.reused, strict=True) if at < 0]

    def index(self) -> ExportIndex | None:
        """The index of the files written (None if the graph's node and edge orders
        differ, which a graph of :func:`paperkg.graph.build_graph` never does)."""
        self.wait()
        if list(self.graph._node) != list(self.graph._succ):  # see _graph_order
            return None
        return ExportIndex(code_print(), self.order, [self.signature[n] for n in self.order],
                           self.triples, _graph_order(self.graph, self.position), self.files)

    def _splicers(self, folder: Path, names, order, background: bool) -> list[_Splicer]:
        splicers: list[_Splicer] = []
        try:
            for name in names:
                starts, lengths = self.previous.files[name].by_position(list(order))
                splicers.append(_Splicer(folder / name, self.earlier / name, starts, lengths,
                                         background=background))
        except BaseException:
            _close(splicers)
            raise
        return splicers


def _close(splicers: list[_Splicer]) -> None:
    """Close every splicer's files, even when closing one fails (the first error is raised)."""
    error = None
    for splicer in splicers:
        try:
            splicer.close()
        except OSError as err:
            error = error or err
    if error is not None:
        raise error


