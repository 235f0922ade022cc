"""``paperkg lineage``: ancestors and descendants of a technique or model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paperkg.cli.query import write_stdout
from paperkg.errors import PaperKGError
from paperkg.explore.lineage import find_lineage, format_json, format_text
from paperkg.vocab import slug

FORMATS = ("text", "json", "html")

EPILOG = """examples:
  paperkg lineage LoRA
  paperkg lineage "low-rank adaptation" --depth 1
  paperkg lineage QLoRA --format json > qlora.json
  paperkg lineage LoRA --format html            # writes ./lineage-LoRA.html

NAME is matched against labels and aliases ignoring case and punctuation; on a
miss the closest names are suggested. text and json go to stdout unless --out
is given; html goes to lineage-<LABEL>.html in the current folder unless --out
is given (--out - prints it). LABEL is the entity's canonical name made safe
for a file name; a name with other characters than letters, digits and "-._~"
gets them replaced and a short hash added ("N:M sparsity" ->
lineage-N_M_sparsity_69054e00.html). The page works offline.
"""


def register(subparsers) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
    parser = subparsers.add_parser(
        "lineage",
        help="ancestors and descendants of a technique or model, with their papers",
        description="Show what an entity derives from and what derives from it "
        "(pk:derivedFrom), with the evidence sentence and papers behind each step.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="the entity's name or one of its aliases")
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "--depth",
        type=_positive,
        metavar="N",
        help="follow at most N steps each way, N >= 1 (default: all)",
    )
    parser.add_argument(
        "--graph",
        default="outputs",
        metavar="DIR",
        help="a build's output folder (default: outputs/)",
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE ('-' = stdout)")
    return parser


def run(args: argparse.Namespace) -> int:
    if not args.name.strip():
        raise PaperKGError("give the name of a model or technique, e.g. paperkg lineage LoRA")
    lineage = find_lineage(args.graph, args.name, args.depth)
    if args.fmt == "html":
        from paperkg.explore.lineage_html import lineage_html  # pyvis only when needed

        text = lineage_html(lineage)
        out = args.out or f"lineage-{slug(lineage.entity.label)}.html"
    else:
        text = format_text(lineage) if args.fmt == "text" else format_json(lineage)
        out = args.out or "-"
    if out == "-":
        write_stdout(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (a step), got {value}")
    return value
