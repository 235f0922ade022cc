"""Formatting an export's batches in this process and a helper process at once.

An exporter walks the graph here (the helper holds no graph) and cuts what it
finds into batches; a pure function formats a batch into encoded text.
:func:`in_order` runs that function on each batch, in the helper while it keeps
up, else here, and gives the texts back in the batches' order, so the file is
the same bytes whoever formatted what.
"""

from __future__ import annotations

import io
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from paperkg.helper import Helper, Job

#: batches handed to the helper and not yet answered: with two, it starts the next
#: as soon as it answers one
HELPER_BATCHES = 2
#: batches formatted here kept waiting for an earlier one the helper still formats
QUEUED = 16


def in_order(fn: Callable, calls: Iterable[tuple], helper: Helper | None = None) -> Iterator[Any]:
    """``fn(*args)`` for each ``args`` of ``calls``, in order.

    With a running ``helper``, a call goes to the helper when it has fewer than
    :data:`HELPER_BATCHES` of them to do and no other job (answers come in order:
    a batch sent behind the view's layout would wait for it, and every batch
    after it too); else it runs here at once. ``fn`` must be a pure module-level
    function: a call the helper cannot run runs here.
    """
    queue: deque[Job] = deque()
    for args in calls:
        if helper is not None and _ready(helper, queue):
            queue.append(helper.submit(fn, *args))
        else:
            job = Job(None, None, fn, args, {})
            job.result()  # now, while the helper works on its batches
            queue.append(job)
        while queue and (queue[0].done() or len(queue) > QUEUED):
            yield queue.popleft().result()
    while queue:
        yield queue.popleft().result()


@dataclass
class Sizes:
    """What one pass over the graph wrote, item by item (subjects for the RDF files,
    elements for GraphML), so the next update can find each node's text in the
    files (:mod:`paperkg.export.reuse`)."""

    #: bytes before the first item, by format
    heads: dict[str, int] = field(default_factory=dict)
    #: each item's bytes, in the order written, by format (an item is one subject or
    #: element: well under 4 GiB, the most an "I" array holds)
    items: dict[str, array] = field(default_factory=dict)
    #: each item's triples, in the order written (the RDF files)
    triples: array = field(default_factory=lambda: array("I"))

    def add(self, fmt: str, lengths: Iterable[int]) -> None:
        self.items.setdefault(fmt, array("I")).extend(lengths)


def encode_items(texts: list[str]) -> tuple[bytes, array]:
    """``texts`` joined and UTF-8 encoded, with each one's length in bytes."""
    parts = [text.encode() for text in texts]
    return b"".join(parts), array("I", map(len, parts))


def _ready(helper: Helper, queue: deque[Job]) -> bool:
    if not helper.enabled:
        return False
    waiting = helper.waiting()
    return waiting < HELPER_BATCHES and waiting == sum(1 for job in queue if not job.done())


def batched(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def encoded_writer(stream: IO) -> Callable[[bytes], object]:
    """A function writing UTF-8 text to ``stream``, a binary or a text stream."""
    if isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
        return stream.write
    return lambda data: stream.write(data.decode())
