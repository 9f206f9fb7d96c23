"""``plansearch`` command line: a thin layer over the library.

Each subcommand lives in its own module exposing ``register(subparsers)``; the
module's handler receives the parsed ``argparse.Namespace`` and returns an exit code.

Failures follow one rule (see :mod:`._errors`): bad input, a bad option or an unusable
file gives exactly one stderr line, Thai first with English alongside, and exit code 2;
outputs are written only through :mod:`._output`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from ..errors import PlanSearchError
from ..version import __version__
from ._errors import EXIT_BUG, EXIT_USAGE, Parser, bug_line, error_line, os_error_line

#: Subcommand modules, in the order ``--help`` lists them (pipeline order).
COMMANDS: tuple[str, ...] = ("ingest", "index", "search", "align", "similar", "run", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="plansearch",
        description=(
            "Semantic search and alignment of Thai local development plans "
            "(ค้นหาและเชื่อมโยงแผนพัฒนาท้องถิ่น)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"plansearch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input, 1 a bug).

    A usage mistake exits through ``SystemExit(2)`` from ``argparse`` (one line).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PlanSearchError as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("plansearch: หยุดตามคำสั่ง — interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # last resort: a file-system error no command turned into one line
        if os.environ.get("PLANSEARCH_DEBUG"):
            raise
        print(os_error_line(exc), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("PLANSEARCH_DEBUG"):
            raise
        print(bug_line(exc), file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
