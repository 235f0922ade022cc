"""The ``paperkg`` command line: thin parsers over plain library functions.

Each command lives in its own module with ``register(subparsers)`` and
``run(args) -> int``. Library errors (:class:`paperkg.errors.PaperKGError`) become
one line on stderr and exit code 2 here, and only here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
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


class _Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so ``finally`` blocks clean up."""


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line on stderr and exit code 2, like every other error."""

    def error(self, message: str):  # type: ignore[no-untyped-def]
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def make_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per command."""
    parser = _Parser(
        prog="paperkg",
        description="Build and explore a knowledge graph of ML papers from their abstracts.",
        epilog="Example: paperkg build && paperkg lineage LoRA",
    )
    parser.add_argument("--version", action="version", version=f"paperkg {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = {}  # type: ignore[attr-defined]
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"paperkg.cli.{module_name}")
        sub = module.register(subparsers)
        parser.commands[name] = sub  # type: ignore[attr-defined]
        sub.set_defaults(run=module.run)
        # also after the command ("paperkg build -q"); SUPPRESS keeps a -q given
        # before the command from being reset by the subcommand's default
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log debug details")
        sub.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                         help="only warnings and errors")
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = make_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "command", None) == "query" and args.query is not None and \
            not any(token.startswith("-") for token in extra):
        # a named query's values after an option: `query derived-from --limit 5 LoRA`
        args.values, extra = [*args.values, *extra], []
    if extra:  # named by the command they were given to: "paperkg build: error: ..."
        given = list(sys.argv[1:] if argv is None else argv)
        command = getattr(args, "command", None)
        at = given.index(command) if command in given else len(given)
        before = any(token in given[:at] for token in extra)
        target = parser if before else parser.commands.get(command, parser)
        target.error(f"unrecognized arguments: {' '.join(extra)}")
    if sys.stdout is None:  # started with standard output closed (`paperkg ... >&-`)
        command = getattr(args, "command", None)
        print(f"paperkg{' ' + command if command else ''}: error: standard output is closed",
              file=sys.stderr)
        return EXIT_ERROR
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_ERROR
    _configure_logging(args.verbose, args.quiet)
    main_pid = os.getpid()

    def terminate(signum: int, _frame: object) -> None:
        if os.getpid() != main_pid:  # a worker process forked from this one
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)  # clean up (staging folders) as on Ctrl-C
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except _Terminated:
        print(f"paperkg {args.command}: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # the reader went away: `paperkg query ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 128 + signal.SIGPIPE
    except PaperKGError as err:
        print(f"paperkg {args.command}: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"paperkg {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        message = f"{err.filename}: {err.strerror}" if err.filename and err.strerror else err
        print(f"paperkg {args.command}: error: {message}", file=sys.stderr)
        return EXIT_ERROR
