"""``paperkg evaluate``: precision, recall and F1 of extraction against gold annotations."""

from __future__ import annotations

import argparse
import json

EPILOG = """gold format, one JSON object per line:
  {"id": "p1", "title": "...", "abstract": "...",
   "entities": [{"name": "QLoRA", "type": "Technique", "aliases": [], "proposed": true}],
   "lineage": [{"child": "QLoRA", "parent": "LoRA"}]}
  type: Model, Dataset, Benchmark or Technique; aliases (a list of names), proposed
  and lineage are optional; a lineage end may be any name or alias of a gold entity
  (the project's annotation guidelines: ../shared/gold/GUIDELINES.md)

A ratio with nothing to count (no predictions, no gold items) is "-" in the table
and null in JSON.

examples:
  paperkg evaluate ../shared/gold/dev.jsonl
  paperkg evaluate gold.jsonl --format json --details
"""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "evaluate", help="score extraction against gold annotations",
        description="Extract the gold papers' titles and abstracts as one corpus and report "
                    "precision, recall and F1 (untyped, typed, per type, proposed, lineage) "
                    "with the contract's matching rules.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", metavar="GOLD.jsonl", help="gold annotations (JSON Lines)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="a table (default) or JSON")
    parser.add_argument("--details", action="store_true",
                        help="also list each paper's false positives (+) and negatives (-) "
                             "(entities, proposed, lineage) and type disagreements (~)")
    parser.add_argument("--resources", action="append", default=[], metavar="DIR",
                        help="extra resource folder (as for build)")
    return parser


def run(args: argparse.Namespace) -> int:
    from paperkg.evaluate import evaluate, format_evaluation  # spaCy: only when evaluating

    result = evaluate(args.gold, args.resources)
    if args.format == "json":
        data = result.as_dict()
        if args.details:
            data["errors"] = result.errors
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(format_evaluation(result))
    if args.details:
        for paper in result.errors:
            plus = paper["false_positives"] + [
                f"proposed {name}" for name in paper["proposed_false_positives"]] + [
                f"lineage {edge}" for edge in paper["lineage_false_positives"]]
            minus = paper["false_negatives"] + [
                f"proposed {name}" for name in paper["proposed_false_negatives"]] + [
                f"lineage {edge}" for edge in paper["lineage_false_negatives"]]
            typed = paper["type_disagreements"]
            if plus or minus or typed:
                print(f"\n{paper['id']}  {paper['title']}")
                for fp in plus:
                    print(f"  + {fp}")
                for fn in minus:
                    print(f"  - {fn}")
                for disagreement in typed:
                    print(f"  ~ {disagreement}")
    return 0
