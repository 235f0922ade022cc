"""``paperkg build``: read papers, write the knowledge graph."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from paperkg.errors import InputError

log = logging.getLogger(__name__)

EPILOG = """examples:
  paperkg build                              # the bundled sample corpus -> outputs/
  paperkg build papers.jsonl listings/ --out my-graph
  paperkg build arxiv-metadata.json --format jsonl --validate sample
  paperkg build --update new-day.jsonl       # add papers to the build in outputs/
"""


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "build", help="build the graph from paper files or folders",
        description="Read papers (Hugging Face listings, JSON Lines, arXiv metadata or Atom, "
                    "CSV, HF daily-papers API JSON), extract their research entities and "
                    "lineage, and write graph.ttl, graph.jsonld, graph.graphml, graph.html and "
                    "report.json. With no INPUT, the bundled sample corpus is read.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="files or folders to read")
    parser.add_argument("--out", default="outputs", help="output folder (default: outputs/)")
    parser.add_argument("--format", dest="fmt", default="auto",
                        help="input format: auto, hf-listing, jsonl, hf-api, atom, csv "
                             "(default: auto, from extension and content)")
    parser.add_argument("--resources", action="append", default=[], metavar="DIR",
                        help="folder of extra entities.jsonl / stoplist.jsonl / cues.json / "
                             "merges.jsonl (repeatable)")
    parser.add_argument("--validate", default="auto", choices=("auto", "full", "sample", "off"),
                        help="SHACL validation: all triples, a sample of papers, or none "
                             "(default: auto = full up to 100k triples)")
    parser.add_argument("--no-html", action="store_true",
                        help="skip graph.html (a graph.html of an earlier build in the "
                             "output folder is removed, as it would not match)")
    parser.add_argument("--min-support", type=int, default=2, metavar="N",
                        help="graph.html shows entities named by at least N papers (default 2)")
    parser.add_argument("--no-timings", action="store_true",
                        help="leave timings out of report.json, so it is byte-identical too")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--update", action="store_true",
                        help="add INPUTs to the build already in --out: only new papers are "
                             "extracted; the result equals a full build of all inputs")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="extraction processes (default 0: one per CPU); fewer than 500 "
                             "papers are extracted in the build's own process")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.update and not args.inputs:
        raise InputError("--update needs the new INPUT files or folders to add")
    # checked before any input is read, which can take minutes
    if args.min_support < 1:
        raise InputError(f"--min-support must be at least 1, got {args.min_support}")
    if args.jobs < 0:
        raise InputError(f"--jobs must be 0 (one per CPU) or more, got {args.jobs}")
    if not args.out.strip():
        raise InputError("--out needs a folder name (use --out . for this folder)")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise InputError(f"--out {args.out} is a file, not a folder")
    if os.path.islink(args.out) and not os.path.exists(args.out):  # mkdir said "File exists"
        raise InputError(f"--out {args.out} is a symbolic link to {os.readlink(args.out)}, "
                         "which does not exist")
    from paperkg.pipeline import BuildOptions, build  # spaCy: only for the commands that extract

    options = BuildOptions(
        fmt=args.fmt, resource_dirs=tuple(args.resources), validate=args.validate,
        html=not args.no_html, html_min_support=args.min_support,
        progress=not args.no_progress, timings=not args.no_timings, jobs=args.jobs,
        update=args.update,
    )
    report = build(args.inputs or None, args.out, options)
    from paperkg.ingest.inputs import shown_name

    out = shown_name(args.out)  # a folder name that is not UTF-8 cannot be printed as it is
    if not args.quiet:
        print(report.summary())
        print(f"wrote {out}/ (graph.ttl, graph.jsonld, graph.graphml"
              f"{', graph.html' if options.html else ''}, report.json)")
    if report.skipped:
        print(f"skipped {len(report.skipped)} records; see {out}/report.json", file=sys.stderr)
    return 0
