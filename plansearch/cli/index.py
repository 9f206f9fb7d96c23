"""``plansearch index``: build a search index from plans or a sections JSONL file.

plansearch index corpus/raw --out indexes/default
plansearch index sections.jsonl --out indexes/mine --embedder hashing
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..embed.base import BaseEmbedder
from ..errors import InputError
from ..sections import Section, read_jsonl
from ._inputs import add_identity_options, add_ocr_option, input_path, positive_int, read_plans
from ._output import check_output_dir

if TYPE_CHECKING:
    from ..search.index import SearchIndex

EMBEDDER_HELP = (
    "'default' (bundled multilingual-e5-small), 'hashing' or 'hashing:DIM' (fast, for "
    "tests), or a sentence-transformers model directory"
)


def make_embedder(spec: str) -> BaseEmbedder:
    """The embedder an ``--embedder`` value names, read exactly as
    :class:`plansearch.Embedder` reads it (``hashing``, ``hashing:DIM``/``hashing-DIM``,
    ``default``, a model directory or hub name); a bad value is a :class:`ModelError`."""
    from ..embed import Embedder

    emb = Embedder(None if spec == "default" else spec)
    if emb.backend == "hashing":  # the plain backend, as indexes record it
        return emb.embedder
    return emb


def optional_embedder(spec: str | None) -> BaseEmbedder | None:
    """:func:`make_embedder` for an optional ``--embedder`` (``None`` keeps the default)."""
    return make_embedder(spec) if spec else None


def index_dir(value: str, *, option: str) -> Path:
    """An index folder to write: a real folder or a new path (see :mod:`._output`)."""
    return check_output_dir(value, option=option)


def save_index(index: SearchIndex, out: Path, *, option: str) -> Path:
    """``index.save(out)`` with a file-system failure reported as one line."""
    check_output_dir(out, option=option)
    try:
        return index.save(out)
    except OSError as exc:
        raise InputError(
            f"บันทึกดัชนีไม่ได้ เลือกโฟลเดอร์ที่เขียนได้ — cannot write the index to {out}: "
            f"{exc.strerror or exc}; choose a folder you can write to"
        ) from exc


def load_sections(
    source: str | Path,
    *,
    org: str | None = None,
    province: str | None = None,
    ocr: bool = False,
) -> list[Section]:
    """Sections from a ``.jsonl`` of sections, a folder of plans, or one plan file
    (``ocr``: read scanned PDFs with Tesseract)."""
    path = input_path(str(source), folder=True, what="plan or sections")
    if path.is_file() and path.suffix.lower() == ".jsonl":
        if org or province or ocr:
            raise InputError(
                "--org/--province/--ocr ใช้กับเอกสารแผน ไม่ใช่ไฟล์ JSONL — --org, --province "
                "and --ocr apply when parsing plan documents, not a sections .jsonl; drop them"
            )
        return read_jsonl(path)
    result = read_plans(str(path), org=org, province=province, ocr=ocr)
    result.report_skipped()
    return [s for plan in result.plans for s in plan.sections]


def run(args: argparse.Namespace) -> int:
    from ..search.index import SearchIndex

    if getattr(args, "store", "files") == "milvus":  # shared vector database (Milvus)
        sections = load_sections(args.source, org=args.org, province=args.province, ocr=args.ocr)
        return build_in_milvus(args, sections, make_embedder(args.embedder))
    if not args.out:
        raise InputError("--out DIR is required (or --store milvus --uri URI)")
    out = index_dir(args.out, option="--out")
    embedder = make_embedder(args.embedder)
    t0 = time.perf_counter()
    sections = load_sections(args.source, org=args.org, province=args.province, ocr=args.ocr)
    if not sections:
        raise InputError(
            f"ไม่พบหัวข้อแผนให้ทำดัชนี — no sections found in {args.source}; nothing to "
            "index. Check the documents with `plansearch ingest`"
        )
    t1 = time.perf_counter()
    progress = False if args.quiet else None
    if args.cluster:
        index = build_on_cluster(sections, args, out)
    else:
        index = SearchIndex.build(sections, embedder=embedder, show_progress=progress)
    t2 = time.perf_counter()
    saved = save_index(index, out, option="--out")
    if not args.quiet:
        orgs = len({s.org for s in index.sections if s.org})
        print(
            f"สร้างดัชนี {len(index)} หัวข้อ จาก {orgs} หน่วยงาน — indexed {len(index)} sections "
            f"from {orgs} organisations with {embedder.name} ({index.dense_type}) in "
            f"{t2 - t1:.1f}s (parsing {t1 - t0:.1f}s) → {saved}",
            file=sys.stderr,
        )
    return 0


def build_in_milvus(
    args: argparse.Namespace, sections: list[Section], embedder: BaseEmbedder
) -> int:
    """``plansearch index CORPUS --store milvus --uri URI [--name NAME | --out NAME]``."""
    from ..search.index import SearchIndex
    from ..search.stores.milvus_schema import collection_name

    if not args.uri:
        raise InputError(
            "--store milvus ต้องระบุ --uri / needs --uri: a Milvus Lite file (indexes/plans.db) "
            "or a server (http://localhost:19530)"
        )
    if getattr(args, "cluster", None):
        raise InputError(
            "--cluster กับ --store milvus ยังใช้ร่วมกันไม่ได้ / --cluster with --store milvus is "
            "not supported yet: build with --cluster --out DIR, then copy it with "
            "SearchIndex.from_index(SearchIndex.load(DIR), uri=URI, name=NAME)"
        )
    name = args.name or (Path(args.out).name if args.out else "default")
    if not sections:
        raise InputError(f"no sections found in {args.source}; nothing to index")
    t0 = time.perf_counter()
    index = SearchIndex.build(
        sections,
        embedder,
        uri=args.uri,
        name=name,
        show_progress=False if args.quiet else None,
    )
    if not args.quiet:
        print(
            f"indexed {len(index)} sections with {embedder.name} into Milvus "
            f"{args.uri} (collection {collection_name(name)}) in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
    return 0


def add_cluster_security_options(p: argparse.ArgumentParser) -> None:
    """``--tls-ca/--tls-cert/--tls-key`` and ``--insecure`` for a ``--cluster`` address."""
    p.add_argument("--tls-ca", metavar="PEM", help="--cluster over TLS: the CA certificate")
    p.add_argument("--tls-cert", metavar="PEM", help="--cluster over TLS: this machine's cert")
    p.add_argument("--tls-key", metavar="PEM", help="--cluster over TLS: its private key")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="reach a tcp:// --cluster scheduler without TLS (a trusted network only: "
        "anyone who can reach it can run code on it)",
    )


def cluster_security_of(args: argparse.Namespace) -> object:
    """What ``security=`` the distributed build gets from the command line: ``None`` for
    ``local:N``; TLS from the three files; ``"insecure"`` when asked; else an error."""
    from ..search.distributed import INSECURE, cluster_security

    files = (args.tls_ca, args.tls_cert, args.tls_key)
    cluster = str(args.cluster or "")
    if any(files) and args.insecure:
        raise InputError(
            "--insecure กับ --tls-* ใช้ร่วมกันไม่ได้ / give TLS files or --insecure, not both"
        )
    if cluster == "local" or cluster.startswith("local:"):
        if any(files) or args.insecure:
            raise InputError(
                "--tls-*/--insecure ใช้กับที่อยู่คลัสเตอร์เท่านั้น / TLS options are for a "
                "scheduler address; local:N listens on 127.0.0.1 only"
            )
        return None
    if any(files):
        if not all(files):
            raise InputError(
                "ต้องระบุ --tls-ca --tls-cert --tls-key ครบ / TLS needs all three: the CA, "
                "this machine's certificate and its key"
            )
        return cluster_security(*files)
    return INSECURE if args.insecure else None


def build_on_cluster(sections: list[Section], args: argparse.Namespace, out: Path) -> SearchIndex:
    """Embed on a Dask cluster (``--cluster``), shards kept in ``--work-dir`` for resuming."""
    from ..search.distributed import build_index

    security = cluster_security_of(args)
    work = Path(args.work_dir) if args.work_dir else out.with_name(out.name + ".shards")
    check_output_dir(work, option="--work-dir")

    def show(done: int, total: int) -> None:
        if not args.quiet:
            print(f"\rshards {done}/{total}", end="" if done < total else "\n", file=sys.stderr)

    index, report = build_index(
        sections,
        None if args.embedder == "default" else args.embedder,
        cluster=args.cluster,
        work_dir=work,
        shard_size=args.shard_size,
        progress=show,
        security=security,
    )
    if not args.quiet:
        print(
            f"cluster {args.cluster}: {report.computed} shards embedded, {report.reused} reused "
            f"from {work}, {report.workers} workers",
            file=sys.stderr,
        )
    return index


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "index",
        help="สร้างดัชนีค้นหา / build a search index from plans or sections",
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
    p.add_argument("--embedder", default="default", help=EMBEDDER_HELP)
    add_identity_options(p)
    add_ocr_option(p)
    p.add_argument(
        "--cluster",
        help="embed on a Dask cluster: 'local:N' (N worker processes here) or a scheduler "
        "address such as tls://10.0.0.5:8786; finished shards are kept and a rerun resumes",
    )
    add_cluster_security_options(p)
    p.add_argument("--work-dir", help="where --cluster keeps finished shards (default: OUT.shards)")
    p.add_argument(
        "--shard-size", type=positive_int, default=2048, help="texts per shard (--cluster)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    p.set_defaults(func=run)
