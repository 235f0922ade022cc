"""``paperkg lineage``: ancestors and descendants of a technique or model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paperkg.cli.query import write_stdout
from paperkg.errors import PaperKGError
from paperkg.explore.lineage import Lineage, find_lineage, format_json, format_text
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
lineage-N_M_sparsity_69054e00.html), and so does a label that another entity
also has (lineage-SPP_ba903ecb.html). The page works offline.

NAME may also be the entity's IRI, as lineage and query print it:
<https://w3id.org/paperkg/entity/LoRA> or entity:LoRA. When the standard
output cannot encode the tree characters (PYTHONIOENCODING=ascii), the text
is drawn in ASCII with other characters escaped.
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
        out = args.out or f"lineage-{lineage.file_stem or slug(lineage.entity.label)}.html"
    else:
        text = format_text(lineage) if args.fmt == "text" else format_json(lineage)
        out = args.out or "-"
    if out == "-":
        write_stdout(_encodable(text, lineage, args.fmt))
    else:
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 0


def _encodable(text: str, lineage: Lineage, fmt: str) -> str:
    """``text``, or a form of it that standard output's encoding can write.

    A console whose encoding lacks the tree characters (``PYTHONIOENCODING=ascii``,
    a legacy code page) gets ASCII trees with the other characters it cannot
    show escaped (``\\u00e9``), with a note on stderr; JSON gets ``\\u`` escapes,
    which read back the same. The HTML page is UTF-8 and is not rewritten.
    """
    encoding = sys.stdout.encoding or "utf-8"
    if _can_encode(text, encoding):
        return text
    if fmt == "json":
        return format_json(lineage, ensure_ascii=True)
    if fmt == "html":
        raise PaperKGError(
            f"standard output (encoding {encoding}) cannot take the UTF-8 page; "
            "write it to a file with --out FILE or set PYTHONIOENCODING=utf-8"
        )
    print(
        f"note: standard output (encoding {encoding}) cannot show every character; "
        "trees drawn in ASCII, other characters escaped (PYTHONIOENCODING=utf-8 shows them)",
        file=sys.stderr,
    )
    ascii_text = format_text(lineage, ascii_tree=True)
    return ascii_text.encode(encoding, "backslashreplace").decode(encoding)


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:  # an encoding Python does not know: leave it to the writer
        return True
    return True


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (a step), got {value}")
    return value
