"""``plansearch serve`` arguments, workspaces and the shared mode (issue 23, items 3 and 9).

* every bad argument is one Thai/English line on stderr and exit code 2, before the
  server starts (port, index, embedder, upload limit, an address it cannot listen on);
* ``--host 127.0.0.2`` is served (the Host allow-list includes the bind address);
* a damaged workspace database names the problem and the way out (``--repair``);
* off localhost, login is required: the first admin comes from ``--create-admin``
  (password from the environment or a prompt, never the command line);
* a foreign ``Host`` (DNS rebinding) is refused on 0.0.0.0.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")

from plansearch.cli import main
from plansearch.web.db import DB_NAME, Workspace

ROOT = Path(__file__).parent.parent
PASSWORD = "รหัสผ่านผู้ดูแล-ทดสอบ"


def _one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # a usage mistake, reported by argparse
        code = int(exc.code or 0)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, (argv, err)
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--port", "-1"], "1–65535"),
        (["--port", "70000"], "1–65535"),
        (["--port", "http"], "port"),
        (["--max-upload-mb", "0"], "--max-upload-mb"),
        (["--max-upload-mb", "-5"], "--max-upload-mb"),
        (["--threads", "0"], "--threads"),
        (["--embedder", "/no/such/model"], "no such model"),
        (["--embedder", "hashing:3"], "hashing"),
        (["--trusted-proxy", "proxy.local"], "IP"),
        (["--host", "203.0.113.77"], "cannot listen"),
        (["--host", "no-such-host.invalid"], "cannot listen"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], words: str
) -> None:
    line = _one_line_exit_2(capsys, ["serve", "--workspace", str(tmp_path / "ws"), *extra])
    assert words in line, line


def test_a_non_index_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    for index in (tmp_path / "nope", tmp_path / "notes"):
        line = _one_line_exit_2(
            capsys, ["serve", "--workspace", str(tmp_path / "ws"), "--index", str(index)]
        )
        assert "index" in line


def test_a_port_in_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        line = _one_line_exit_2(
            capsys, ["serve", "--workspace", str(tmp_path / "ws"), "--port", str(port)]
        )
    assert "cannot listen" in line and "port" in line


def test_a_damaged_workspace_names_the_way_out_and_repair_keeps_what_it_can(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    db = Workspace(ws)
    pid = db.add_plan(
        name="แผน", org=None, province=None, source_sha="s", source_text="t", sections=[]
    )
    db.add_decision(pid, "k", "national", "accept", "NS1", who="สมศรี")
    db.close()
    (ws / DB_NAME).write_bytes(b"this is not a database" * 100)
    line = _one_line_exit_2(capsys, ["serve", "--workspace", str(ws), "--embedder", "hashing"])
    assert "เสียหาย" in line and "--repair" in line and "--workspace" in line
    assert main(["serve", "--workspace", str(ws), "--repair"]) == 0
    out = capsys.readouterr().out
    assert "damaged" in out
    assert list(ws.glob(f"{DB_NAME}.damaged-*"))  # the damaged file is kept
    Workspace(ws).close()  # and the workspace opens again


def test_create_admin_takes_the_password_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = str(tmp_path / "ws")
    monkeypatch.delenv("PLANSEARCH_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # no terminal: no prompt
    line = _one_line_exit_2(capsys, ["serve", "--workspace", ws, "--create-admin", "ผู้ดูแล"])
    assert "PLANSEARCH_ADMIN_PASSWORD" in line
    monkeypatch.setenv("PLANSEARCH_ADMIN_PASSWORD", PASSWORD)
    assert main(["serve", "--workspace", ws, "--create-admin", "ผู้ดูแล"]) == 0
    line = _one_line_exit_2(capsys, ["serve", "--workspace", ws, "--create-admin", "ผู้ดูแล"])
    assert "already" in line
    db = Workspace(ws)
    try:
        row = db.user("ผู้ดูแล")
        assert row is not None and row["is_admin"] == 1
        assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in str(row)
    finally:
        db.close()


def test_off_localhost_without_an_account_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, port = str(tmp_path / "ws"), str(_free_port())
    argv = ["serve", "--workspace", ws, "--host", "0.0.0.0", "--port", port, "--embedder"]
    argv.append("hashing")
    line = _one_line_exit_2(capsys, argv)
    assert "--create-admin" in line


# ------------------------------------------------------------------ real servers


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANSEARCH_ADMIN_PASSWORD": PASSWORD}
    cmd = [sys.executable, "-m", "plansearch", "serve", "--workspace", str(tmp_path / "ws")]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--embedder", "hashing", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return proc, port


def _request(url: str, *, host: str | None = None, **kw: Any) -> tuple[int, dict[str, str], str]:
    headers = {"Host": host} if host else {}
    req = urllib.request.Request(url, headers=headers, **kw)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def _wait(url: str, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "exited")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("no answer")


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def test_host_127_0_0_2_is_served(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "plansearch", "serve", "--workspace", str(tmp_path / "ws"),
         "--host", "127.0.0.2", "--port", str(port), "--embedder", "hashing"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        _wait(f"http://127.0.0.2:{port}/api/health", proc)
        status, _, body = _request(f"http://127.0.0.2:{port}/api/health")
        assert status == 200 and json.loads(body)["ok"] is True
        status, _, _ = _request(f"http://127.0.0.2:{port}/plans")
        assert status == 200  # loopback: no login
    finally:
        _stop(proc)


def test_a_shared_server_requires_login_and_refuses_a_foreign_host(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert main(["serve", "--workspace", ws, "--create-admin", "ผู้ดูแล"]) == 2  # no password
    os.environ["PLANSEARCH_ADMIN_PASSWORD"] = PASSWORD
    try:
        assert main(["serve", "--workspace", ws, "--create-admin", "ผู้ดูแล"]) == 0
    finally:
        del os.environ["PLANSEARCH_ADMIN_PASSWORD"]
    proc, port = _serve(tmp_path, "--host", "0.0.0.0", "--allowed-host", "plans.office.local")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/api/health", proc)
        assert _request(f"{base}/api/health")[0] == 200
        assert _request(f"{base}/api/plans")[0] == 401
        assert _request(f"{base}/api/plans", host="plans.office.local")[0] == 401
        # DNS rebinding: the attacker's name resolves to this server; refused by name
        status, _, body = _request(f"{base}/api/health", host="evil.example")
        assert status == 400 and "not served here" in body
        status, _, body = _request(f"{base}/plans")
        assert status == 200 and 'name="password"' in body  # redirected to the login page
        assert "plansearch-token" not in body
        data = urllib.parse.urlencode({"name": "ผู้ดูแล", "password": PASSWORD}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/login", body=data,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        r = conn.getresponse()
        assert r.status == 303
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        session = next(c.split(";")[0] for c in cookies if c.startswith("plansearch_session="))
        conn.close()
        assert _request(f"{base}/api/me")[0] == 401
        req = urllib.request.Request(f"{base}/api/me", headers={"Cookie": session})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert json.loads(resp.read())["name"] == "ผู้ดูแล"
    finally:
        _, errs = _stop(proc)
    assert "login required" in errs and "plans.office.local" in errs
