"""Distributed builds over the network need TLS, or an explicit ``--insecure`` (issue 23, item 8).

Dask sends pickled tasks: anyone who can reach a plain ``tcp://`` scheduler can run code
on it. So a scheduler address is refused unless TLS certificates are given (a
``tls://`` address, ``distributed.security.Security``) or ``--insecure`` names the
network trusted. ``local:N`` stays as it was (127.0.0.1 only). The TLS path is run for
real against a scheduler and worker that require certificates signed by a CA made
here with ``openssl``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from plansearch.cli import main
from plansearch.errors import InputError
from plansearch.search.distributed import (
    INSECURE,
    cluster_security,
    embed_sharded,
)

TEXTS = [f"ก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ที่ {i}" for i in range(12)]


def test_a_plain_scheduler_address_is_refused_without_tls_or_insecure(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="TLS"):
        embed_sharded(TEXTS, "hashing", work_dir=tmp_path, cluster="tcp://127.0.0.1:9")


def test_certificates_need_a_tls_address_and_existing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        cluster_security(str(tmp_path / "ca.pem"), "c.pem", "k.pem")
    for name in ("ca.pem", "c.pem", "k.pem"):
        (tmp_path / name).write_text("x")
    sec = cluster_security(*(str(tmp_path / n) for n in ("ca.pem", "c.pem", "k.pem")))
    with pytest.raises(InputError, match="tls://"):
        embed_sharded(
            TEXTS, "hashing", work_dir=tmp_path / "w", cluster="tcp://127.0.0.1:9", security=sec
        )


def test_cli_cluster_options_are_checked_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "plan.txt"
    src.write_text("ยุทธศาสตร์ที่ 1 การพัฒนาโครงสร้างพื้นฐาน\n", encoding="utf-8")
    base = ["index", str(src), "--embedder", "hashing", "--out", str(tmp_path / "idx")]
    cases = [
        (["--cluster", "tcp://127.0.0.1:9"], "TLS"),
        (["--cluster", "tcp://127.0.0.1:9", "--tls-ca", "a.pem"], "three"),
        (["--cluster", "local:1", "--insecure"], "local:N"),
        (["--cluster", "tls://127.0.0.1:9", "--insecure", "--tls-ca", "a"], "not both"),
    ]
    for extra, words in cases:
        assert main([*base, *extra]) == 2, extra
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err
    assert not (tmp_path / "idx").exists()


# ------------------------------------------------------------- a real TLS cluster


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificates(folder: Path) -> dict[str, str]:
    """A CA, and one certificate signed by it for 127.0.0.1 (scheduler, worker, client)."""
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
        "-keyout", "ca-key.pem", "-out", "ca.pem", cwd=folder,
    )  # fmt: skip
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "key.pem", "-out", "req.csr", cwd=folder,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "req.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "cert.pem", cwd=folder,
    )  # fmt: skip
    return {n: str(folder / f"{n}.pem") for n in ("ca", "cert", "key")}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_tls_cluster_embeds_and_a_plain_client_is_refused(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster
    from distributed.security import Security

    pem = _certificates(tmp_path)
    server = Security(
        tls_ca_file=pem["ca"],
        tls_scheduler_cert=pem["cert"],
        tls_scheduler_key=pem["key"],
        tls_worker_cert=pem["cert"],
        tls_worker_key=pem["key"],
        tls_client_cert=pem["cert"],
        tls_client_key=pem["key"],
        require_encryption=True,
    )
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tls://",
        host="127.0.0.1",
        security=server,
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        sec = cluster_security(pem["ca"], pem["cert"], pem["key"])
        vecs, report = embed_sharded(
            TEXTS, "hashing", work_dir=tmp_path / "w", cluster=address, security=sec, shard_size=4
        )
        assert vecs.shape[0] == len(TEXTS) and report.computed == 3
        # without certificates the scheduler cannot be used, even when asked insecurely
        plain = address.replace("tls://", "tcp://")
        with pytest.raises(Exception):  # noqa: B017 - the handshake fails in Dask's own way
            Client(plain, timeout="3s")
        with pytest.raises(Exception):  # noqa: B017
            embed_sharded(
                TEXTS,
                "hashing",
                work_dir=tmp_path / "w2",
                cluster=plain,
                security=INSECURE,
                connect_timeout="3s",
            )
