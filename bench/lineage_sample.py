"""Draw a reproducible random sample of lineage edges from a build, for judging precision.

    python bench/lineage_sample.py [--graph outputs] [--size 40] [--seed 7]

Prints one row per edge: child, parent, rule, evidence and the papers behind it,
as Markdown, ready to be judged by hand (see docs/lineage-precision.md).
"""

from __future__ import annotations

import argparse
import random

from paperkg.query.store import run_query

QUERY = """
SELECT ?child ?parent ?rule ?evidence (GROUP_CONCAT(?title; separator=" || ") AS ?papers)
WHERE {
  ?link a pk:LineageLink ; pk:child ?c ; pk:parent ?p ; pk:rule ?rule ; pk:evidence ?evidence .
  ?c rdfs:label ?child . ?p rdfs:label ?parent .
  OPTIONAL { ?link pk:sourcePaper ?paper . ?paper dcterms:title ?title }
}
GROUP BY ?child ?parent ?rule ?evidence
ORDER BY ?child ?parent
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default="outputs")
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = run_query(args.graph, QUERY).records()
    sample = random.Random(args.seed).sample(rows, min(args.size, len(rows)))
    print(f"{len(rows)} lineage edges; a sample of {len(sample)} (seed {args.seed}):\n")
    print("| # | child | parent | rule | evidence |")
    print("| --- | --- | --- | --- | --- |")
    for number, row in enumerate(sample, 1):
        evidence = str(row["evidence"]).replace("|", "/")[:160]
        print(f"| {number} | {row['child']} | {row['parent']} | {row['rule']} | {evidence} |")


if __name__ == "__main__":
    main()
