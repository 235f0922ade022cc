"""The names of what a build writes into its output folder.

The build (:mod:`paperkg.pipeline`), the query store (:mod:`paperkg.query.store`)
and the reading of input folders (:mod:`paperkg.ingest.inputs`, which must not
read a build's outputs back as papers) share them.
"""

from __future__ import annotations

#: the files a build replaces in its output folder
OUTPUT_FILES = ("graph.ttl", "graph.jsonld", "graph.graphml", "graph.html", "report.json")
#: what the next ``paperkg build --update`` reads (see :mod:`paperkg.state`)
STATE_FILE = ".paperkg-state.jsonl.zst"
#: where each node's text is in graph.ttl, graph.jsonld and graph.graphml, for the next
#: update to copy what did not change (see :mod:`paperkg.export.reuse`)
EXPORT_INDEX_FILE = ".paperkg-exports.json.zst"
#: where each paper's line is in the state file, for an update to read a few
PLACES_FILE = ".paperkg-places.bin"
#: the resolution's aggregates, for an update proportional to its new papers (see
#: :mod:`paperkg.update`)
RESOLUTION_FILE = ".paperkg-resolution.json.zst"
#: the near-duplicate entities by block, for an update to look again at a few blocks
NEAR_FILE = ".paperkg-near.json.zst"
#: what graph.html reads of the graph besides the resolution, for an update to draw it
#: (see :mod:`paperkg.view.kept`)
VIEW_FILE = ".paperkg-view.json.zst"
#: the files a build keeps for the next update, replaced with the outputs
KEPT_FILES = (STATE_FILE, EXPORT_INDEX_FILE, PLACES_FILE, RESOLUTION_FILE, NEAR_FILE,
              VIEW_FILE)
#: the state files of older versions: a build removes them, an update says to rebuild
LEGACY_STATE_FILES = (".paperkg-state.jsonl.gz",)
#: held by a running build, so that two builds into one folder wait for each other
BUILD_LOCK_FILE = ".paperkg-build.lock"
#: left by a build killed while it replaced its outputs (see :func:`paperkg.commit.commit`)
COMMIT_FILE = ".paperkg-commit"
#: the query store's folder, loaded from ``graph.ttl`` by the first query
STORE_DIR = "store"
#: files whose presence marks a folder as a build's output folder
BUILD_MARKERS = (STATE_FILE, *LEGACY_STATE_FILES, BUILD_LOCK_FILE, COMMIT_FILE)
