"""``plansearch`` command line: a thin layer over the library.

Each subcommand lives in its own module exposing ``register(subparsers)``; the
module's handler receives the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import PlanSearchError

#: Subcommand modules, in the order ``--help`` lists them (pipeline order).
COMMANDS: tuple[str, ...] = ("ingest", "index", "search", "align", "similar", "run", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PlanSearchError as exc:
        print(f"plansearch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("plansearch: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
