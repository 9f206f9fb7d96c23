"""``plansearch index``: build a search index from plans or a sections JSONL file.

plansearch index corpus/raw --out indexes/default
plansearch index sections.jsonl --out indexes/mine --embedder hashing
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..embed.base import BaseEmbedder
from ..errors import InputError
from ..sections import Section, read_jsonl


def make_embedder(spec: str) -> BaseEmbedder:
    """``hashing`` | ``hashing:DIM`` | ``default`` | a sentence-transformers model path/name."""
    if spec == "hashing" or spec.startswith("hashing:"):
        from ..embed.hashing import HashingEmbedder

        dim = spec.partition(":")[2]
        if dim and not dim.isdigit():
            raise InputError(f"--embedder {spec!r}: use hashing:DIM with an integer DIM")
        return HashingEmbedder(int(dim) if dim else 384)
    from ..index.planindex import default_embedder

    if spec == "default":
        return default_embedder()
    from ..embed import Embedder

    emb: BaseEmbedder = Embedder(spec)
    return emb


def optional_embedder(spec: str | None) -> BaseEmbedder | None:
    """:func:`make_embedder` for an optional ``--embedder`` (``None`` keeps the default)."""
    return make_embedder(spec) if spec else None


def load_sections(source: Path) -> list[Section]:
    """Sections from a ``.jsonl`` of sections, a directory of plans, or one plan file."""
    if not source.exists():
        raise InputError(f"{source} does not exist")
    if source.is_file() and source.suffix.lower() == ".jsonl":
        return read_jsonl(source)
    import plansearch

    if source.is_dir():
        loaded: Any = plansearch.load_corpus(source)
    else:
        loaded = [plansearch.parse_plan(source)]
    sections: list[Section] = []
    for item in loaded:
        if isinstance(item, Section):
            sections.append(item)
        else:  # a Plan
            sections.extend(item.sections)
    return sections


def run(args: argparse.Namespace) -> int:
    from ..index.planindex import PlanIndex

    source = Path(args.source)
    if getattr(args, "store", "files") == "milvus":  # shared vector database (Milvus)
        from ..index.milvus_store import cli_build

        return cli_build(args, load_sections(source), make_embedder(args.embedder))
    if not args.out:
        raise InputError("--out DIR is required (or --store milvus --uri URI)")
    t0 = time.perf_counter()
    sections = load_sections(source)
    if not sections:
        raise InputError(f"no sections found in {source}; nothing to index")
    embedder = make_embedder(args.embedder)
    t1 = time.perf_counter()
    progress = False if args.quiet else None
    index = PlanIndex.build(sections, embedder=embedder, show_progress=progress)
    t2 = time.perf_counter()
    out = index.save(args.out)
    if not args.quiet:
        orgs = len({s.org for s in index.sections if s.org})
        print(
            f"indexed {len(index)} sections from {orgs} organisations with {embedder.name} "
            f"({index.dense_type}) in {t2 - t1:.1f}s (parsing {t1 - t0:.1f}s) → {out}",
            file=sys.stderr,
        )
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "index",
        help="build a search index (สร้างดัชนีค้นหา) from plans or sections",
        description=(
            "Parse plans (a directory of documents) or read sections (.jsonl), embed them "
            "and save a dense + BM25 index directory."
        ),
    )
    p.add_argument(
        "source", help="directory of plan documents, one plan file, or a .jsonl of sections"
    )
    p.add_argument("--out", help="index directory to write (replaced atomically)")
    p.add_argument(
        "--store",
        choices=("files", "milvus"),
        default="files",
        help="'files' (an index directory, default) or 'milvus' (a shared vector database)",
    )
    p.add_argument(
        "--uri", help="with --store milvus: a Milvus Lite file (x.db) or http://host:19530"
    )
    p.add_argument(
        "--name", help="with --store milvus: the index name (default: the --out folder name)"
    )
    p.add_argument(
        "--embedder",
        default="default",
        help="'default' (bundled multilingual-e5-small), 'hashing' (fast, for tests), "
        "or a sentence-transformers model path",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    p.set_defaults(func=run)
