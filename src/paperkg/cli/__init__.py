"""The ``paperkg`` command line: thin parsers over plain library functions.

Each command lives in its own module with ``register(subparsers)`` and
``run(args) -> int``. Library errors (:class:`paperkg.errors.PaperKGError`) become
one line on stderr and exit code 2 here, and only here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from paperkg import __version__
from paperkg.errors import PaperKGError

#: command name -> module under ``paperkg.cli``
COMMANDS = {
    "build": "build",
    "query": "query",
    "serve": "serve",
    "lineage": "lineage",
    "evaluate": "evaluate",
}

EXIT_ERROR = 2


def make_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="paperkg",
        description="Build and explore a knowledge graph of ML papers from their abstracts.",
        epilog="Example: paperkg build && paperkg lineage LoRA",
    )
    parser.add_argument("--version", action="version", version=f"paperkg {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"paperkg.cli.{module_name}")
        sub = module.register(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_ERROR
    _configure_logging(args.verbose, args.quiet)
    try:
        return args.run(args)
    except PaperKGError as err:
        print(f"paperkg {args.command}: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"paperkg {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        print(f"paperkg {args.command}: error: {err}", file=sys.stderr)
        return EXIT_ERROR
