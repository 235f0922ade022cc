"""Time writing and reading back a build's state file (what ``--update`` reads).

Reads the state of BUILD_DIR (made by the same paperkg version), then writes it to
a temporary folder and reads that back, timing both. To compare two versions,
give each a build of its own and run each with its ``src`` on ``PYTHONPATH``,
alternating:

    python bench/state.py /tmp/pkb/build-100000
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir")
    args = parser.parse_args(argv)

    import paperkg
    from paperkg.layout import STATE_FILE
    from paperkg.pipeline import GC_THRESHOLD
    from paperkg.state import fingerprint, load_state, save_state

    gc.set_threshold(GC_THRESHOLD, 20, 100)  # as a build does
    extractions = load_state(args.build_dir, fingerprint(()))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        save_state(Path(tmp) / STATE_FILE, extractions, "bench")
        written = time.perf_counter() - start
        size = (Path(tmp) / STATE_FILE).stat().st_size
        papers = len(extractions)
        del extractions
        gc.collect()
        start = time.perf_counter()
        back = load_state(tmp, "bench")
        read = time.perf_counter() - start
    assert len(back) == papers
    print(f"{Path(paperkg.__file__).parent.parent}: {papers:,} papers; state written in "
          f"{written:.2f} s, read in {read:.2f} s, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
