"""Extraction time of one hostile abstract: thousands of coined names, each defined
with its short form ("Aeiol Bnrst (ABN) [ABN3] and ..."), at growing sizes.

    python bench/hostile.py 12000 24000 48000 96000

Prints the seconds ``Extractor().extract`` takes for each size (one process, the
pipeline built once before timing) and the ratio of each time to the previous one:
about 2 for each doubling when extraction is linear in the abstract's length. The
readers skip abstracts over 100,000 characters, so 96,000 is the largest that
matters. The text is deterministic (a fixed seed).
"""

from __future__ import annotations

import argparse
import random
import string
import time

from paperkg.extract.pipeline import Extractor
from paperkg.records import Paper


def hostile_abstract(size: int, seed: int = 1) -> str:
    """About ``size`` characters of defined names: "Aeiol Bnrst Cnrst (ABC) [ABC3] and"."""
    rng = random.Random(seed)
    parts, length, i = ["We propose "], 0, 0
    while length < size:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
        words = " ".join(letter + "".join(rng.choice("aeioulnrst") for _ in range(5))
                         for letter in letters)
        part = f"{words} ({letters}) [{letters}{i % 7}] and "
        parts.append(part)
        length, i = length + len(part), i + 1
    return "".join(parts) + "more."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="+", help="abstract sizes in characters")
    args = parser.parse_args()
    extractor = Extractor()
    previous = None
    for size in args.sizes:
        paper = Paper(key=f"id:hostile-{size}", title="Hostile", abstract=hostile_abstract(size))
        start = time.perf_counter()
        (extraction,) = extractor.extract([paper])
        seconds = time.perf_counter() - start
        ratio = f"  x{seconds / previous:.1f}" if previous else ""
        print(f"{len(paper.abstract):>7,} characters  {len(extraction.mentions):>5,} mentions  "
              f"{seconds:6.2f} s{ratio}", flush=True)
        previous = seconds


if __name__ == "__main__":
    main()
