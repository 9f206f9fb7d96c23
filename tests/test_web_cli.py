"""``plansearch serve``: starts, binds 127.0.0.1 by default, warns when asked to listen wider."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")

from plansearch.cli import build_parser
from plansearch.cli.serve import is_loopback

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_serve_is_a_subcommand() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.workspace) == ("127.0.0.1", 8000, "workspace")


@pytest.mark.parametrize(
    ("host", "loop"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
    ],
)
def test_is_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plansearch",
            "serve",
            "--workspace",
            str(tmp_path / "ws"),
            "--port",
            str(port),
            "--embedder",
            "hashing",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return proc, port


def _wait(url: str, proc: subprocess.Popen[str]) -> str:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "exited")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return str(r.read().decode())
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not answer")


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


@pytest.mark.slow
def test_serve_starts_on_loopback_and_writes_a_token(tmp_path: Path) -> None:
    proc, port = _start(tmp_path)
    try:
        assert '"ok":true' in _wait(f"http://127.0.0.1:{port}/api/health", proc)
        # a foreign Host header (DNS rebinding) is refused on a loopback server
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/health", headers={"Host": "evil.example"}
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 400
    finally:
        out, errs = _stop(proc)
    assert f"http://127.0.0.1:{port}/" in out
    assert "warning" not in errs
    token = (tmp_path / "ws" / "api-token").read_text().strip()
    assert len(token) >= 24 and (tmp_path / "ws" / "api-token").stat().st_mode & 0o077 == 0


def test_serve_missing_index_is_one_clear_error(tmp_path: Path) -> None:
    from plansearch.cli import main

    assert main(["serve", "--index", str(tmp_path / "nope"), "--workspace", str(tmp_path)]) == 2


def test_serve_rejects_zero_threads(tmp_path: Path) -> None:
    from plansearch.cli import main

    assert main(["serve", "--threads", "0", "--workspace", str(tmp_path)]) == 2
