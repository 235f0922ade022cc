"""The ``paperkg`` command line: thin parsers over plain library functions.

Each command lives in its own module with ``register(subparsers)`` and
``run(args) -> int``. Library errors (:class:`paperkg.errors.PaperKGError`) become
one line on stderr and exit code 2 here, and only here.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import logging
import os
import signal
import sys
import threading
from typing import NoReturn

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
    return _run(argv)[0]


#: commands after which the ``paperkg`` program leaves without freeing its heap
QUICK_EXIT_COMMANDS = frozenset({"build", "evaluate"})


def program() -> NoReturn:
    """The ``paperkg`` program (its console script and ``python -m paperkg``):
    :func:`main`, then the exit.

    A build's process ends holding millions of objects (the papers, the graph's
    last references, the extraction pipeline's vocabulary), and the interpreter
    frees them one by one before it exits: 1.5 s at the end of a 100k-paper build.
    After the commands of :data:`QUICK_EXIT_COMMANDS` the process runs what was
    registered to run at exit (:mod:`atexit`: logging's flush, finalizers),
    flushes its standard streams and leaves with :func:`os._exit`, as Instagram's
    servers do ("Dismissing Python Garbage Collection at Instagram"). Every
    output is written, closed and renamed into place before the command returns.
    What a C library buffers in its own standard output is not flushed: nothing
    a build or an evaluation runs prints that way.
    """
    code, command = _run(None)
    if command in QUICK_EXIT_COMMANDS:
        quick_exit(code)
    raise SystemExit(code)


def quick_exit(code: int) -> NoReturn:
    """Leave the process with ``code`` without the interpreter's teardown, when that is
    safe: no thread runs that the interpreter would wait for (daemon threads, such as
    tqdm's monitor, it does not wait for) and the standard streams flush; else exit
    as usual."""
    main_thread = threading.main_thread()
    if not any(thread is not main_thread and not thread.daemon
               for thread in threading.enumerate()):
        atexit._run_exitfuncs()
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: the usual exit reports it
            pass
        else:
            os._exit(code)
    raise SystemExit(code)


def _run(argv: list[str] | None) -> tuple[int, str | None]:
    """:func:`main`, and the command it ran (None when it ran none)."""
    parser = make_parser()
    args, extra = parser.parse_known_args(argv)
    command: str | None = getattr(args, "command", None)
    if extra and command == "query" and args.query is not None and \
            not any(token.startswith("-") for token in extra):
        # a named query's values after an option: `query derived-from --limit 5 LoRA`
        args.values, extra = [*args.values, *extra], []
    if extra:  # named by the command they were given to: "paperkg build: error: ..."
        given = list(sys.argv[1:] if argv is None else argv)
        at = given.index(command) if command in given else len(given)
        before = any(token in given[:at] for token in extra)
        target = parser if before else parser.commands.get(command, parser)
        target.error(f"unrecognized arguments: {' '.join(extra)}")
    if sys.stdout is None:  # started with standard output closed (`paperkg ... >&-`)
        print(f"paperkg{' ' + command if command else ''}: error: standard output is closed",
              file=sys.stderr)
        return EXIT_ERROR, command
    if not command:
        parser.print_help()
        return EXIT_ERROR, command
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
        return code, command
    except _Terminated:
        print(f"paperkg {command}: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM, command
    except BrokenPipeError:  # the reader went away: `paperkg query ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 128 + signal.SIGPIPE, command
    except PaperKGError as err:
        print(f"paperkg {command}: error: {err}", file=sys.stderr)
        return EXIT_ERROR, command
    except KeyboardInterrupt:
        print(f"paperkg {command}: interrupted", file=sys.stderr)
        return 130, command
    except OSError as err:
        message = f"{err.filename}: {err.strerror}" if err.filename and err.strerror else err
        print(f"paperkg {command}: error: {message}", file=sys.stderr)
        return EXIT_ERROR, command
