"""``plansearch serve``: start the planner workbench (a local web app).

Binds 127.0.0.1 by default, as simple as a desktop program. Served to an office network
(any other ``--host``, or ``--login``), every person logs in with an account of the
workspace (create the first admin with ``--create-admin NAME``), only the ``Host``
names in ``--allowed-host`` are answered, and ``--behind-tls`` marks the cookies
``Secure`` when a reverse proxy terminates TLS (``docs/workbench.md``).

Every argument is checked before the server starts: a bad one is one line on stderr
and exit code 2. A damaged workspace database is named, with the way out
(``--repair`` keeps what can still be read).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError, PlanSearchError

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Environment variable holding the password for ``--create-admin`` (else a prompt).
ADMIN_PASSWORD_ENV = "PLANSEARCH_ADMIN_PASSWORD"
MAX_UPLOAD_MB = 2048


class WebNotInstalledError(PlanSearchError):
    """The optional web extra (FastAPI, uvicorn, Jinja2) is not installed."""


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"พอร์ตต้องเป็นตัวเลข / not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"พอร์ตต้องอยู่ระหว่าง 1–65535 / port {port} is outside 1–65535"
        )
    return port


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "serve",
        help="เปิดระบบตรวจความเชื่อมโยงแผน / start the planner workbench (web app)",
        description=(
            "เปิดระบบตรวจความเชื่อมโยงแผน: อัปโหลดแผน ตรวจและแก้ความเชื่อมโยง ส่งออกแบบ ผ.02 "
            "ค้นหาแผนอื่น แล้วเปิดที่อยู่ที่แสดงในเบราว์เซอร์ — start the planner workbench: "
            "upload plans, review and correct linkages, export the ผ.02 linkage table, search "
            "other plans. Open the printed address in a browser."
        ),
    )
    p.add_argument(
        "--workspace",
        default="workspace",
        help="โฟลเดอร์พื้นที่ทำงาน (ฐานข้อมูลแผนและการตัดสินใจ) / folder of the workspace "
        "database (default: %(default)s)",
    )
    p.add_argument(
        "--index",
        default=None,
        help="ดัชนีที่สร้างไว้ ค้นหาร่วมกับแผนในพื้นที่ทำงาน / a saved index to search besides the workspace",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="ที่อยู่ที่รับการเชื่อมต่อ / address to listen on (default: %(default)s: this computer only)",
    )
    p.add_argument(
        "--port", type=port_number, default=8000, help="พอร์ต / port (default: %(default)s)"
    )
    p.add_argument(
        "--embedder",
        default=None,
        help="แบบจำลองภาษา / embedding model (default: the bundled multilingual-e5-small; "
        "'hashing' for tests)",
    )
    p.add_argument(
        "--max-upload-mb",
        type=int,
        default=50,
        help="ขนาดไฟล์อัปโหลดสูงสุด (MB) / upload size limit in MB (default: %(default)s)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="จำนวนเธรดต่อการคำนวณ / CPU threads per model call (default: torch's; 1 is much "
        "faster on a busy machine: see benchmarks/results/web_2026-12-01.txt)",
    )
    p.add_argument(
        "--login",
        action="store_true",
        help="ต้องเข้าสู่ระบบแม้ใช้บนเครื่องนี้ / require login even on 127.0.0.1 (always "
        "required on any other --host)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="ชื่อเครื่องที่ยอมรับ / a Host name the server answers to (repeatable), e.g. "
        "plans.office.local; default: the bind address and localhost (and this machine's "
        "names with 0.0.0.0)",
    )
    p.add_argument(
        "--behind-tls",
        action="store_true",
        help="มีพร็อกซีที่เข้ารหัส TLS อยู่หน้าเซิร์ฟเวอร์ / a reverse proxy terminates TLS in "
        "front of the server: cookies get Secure",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="IP",
        help="พร็อกซีที่เชื่อถือได้ / believe X-Forwarded-For/-Proto only from this proxy "
        "address (repeatable)",
    )
    p.add_argument(
        "--create-admin",
        metavar="NAME",
        help=f"สร้างบัญชีผู้ดูแลแล้วออก / create an admin account and exit (password from "
        f"${ADMIN_PASSWORD_ENV} or a prompt, never the command line)",
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="กู้ฐานข้อมูลพื้นที่ทำงานที่เสียหาย / salvage a damaged workspace database into "
        "a new one (the damaged file is kept beside it) and exit",
    )
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(host: str) -> str:
    """How ``host`` appears in a ``Host`` header (IPv6 in brackets)."""
    try:
        if ipaddress.ip_address(host.strip("[]")).version == 6:
            return f"[{host.strip('[]')}]"
    except ValueError:
        pass
    return host.lower()


def allowed_hosts(host: str, extra: list[str]) -> set[str]:
    """The ``Host`` names served: the localhost names, the bind address and ``extra``;
    listening on every address (0.0.0.0 / ::), also this machine's names and addresses."""
    names = {"127.0.0.1", "localhost", "[::1]", _host_name(host)}
    names.update(_host_name(h.strip()) for h in extra if h.strip())
    if host in ("0.0.0.0", "::", "[::]"):
        for name in (socket.gethostname(), socket.getfqdn()):
            if name:
                names.add(name.lower())
                try:
                    names.update(str(a[4][0]) for a in socket.getaddrinfo(name, None))
                except OSError:
                    pass
    names.discard("0.0.0.0")
    names.discard("[::]")
    return {_host_name(n) for n in names}


def _check_index(path: str) -> None:
    from ..search import storage

    root = Path(path)
    if not root.is_dir():
        raise InputError(
            f"{path}: ไม่พบโฟลเดอร์ดัชนี / no such index directory (build one with plansearch index)"
        )
    pointer = storage.read_pointer(root)
    manifest = root / pointer / storage.MANIFEST if pointer else root / storage.MANIFEST
    if not manifest.is_file():
        raise InputError(
            f"{path}: ไม่ใช่ดัชนีของ plansearch / not a plansearch index (no {storage.MANIFEST}); "
            "build one with `plansearch index CORPUS --out DIR`"
        )


def _check_embedder(spec: str) -> None:
    looks_like_path = spec.startswith(("/", "./", "../", "~")) or spec.endswith(".bin")
    looks_like_path = looks_like_path or (
        os.sep in spec and Path(spec.split("+")[0]).parent.exists()
    )
    if looks_like_path and not Path(os.path.expanduser(spec.split("+")[0])).exists():
        raise InputError(f"--embedder {spec}: ไม่พบโมเดล / no such model file or folder")
    from ..embed import Embedder

    Embedder(spec)  # a malformed name raises ModelError here; nothing is loaded yet


def _check_args(args: argparse.Namespace) -> None:
    if not 1 <= args.max_upload_mb <= MAX_UPLOAD_MB:
        raise InputError(
            f"--max-upload-mb ต้องอยู่ระหว่าง 1–{MAX_UPLOAD_MB} / --max-upload-mb must be "
            f"1–{MAX_UPLOAD_MB}, not {args.max_upload_mb}"
        )
    if args.threads is not None and args.threads < 1:
        raise InputError("--threads ต้องอย่างน้อย 1 / --threads must be at least 1")
    if args.index:
        _check_index(args.index)
    if args.embedder:
        _check_embedder(args.embedder)
    for ip in args.trusted_proxy:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise InputError(f"--trusted-proxy {ip!r}: ไม่ใช่ที่อยู่ IP / not an IP address") from None
    for name in args.allowed_host:
        if not name.strip() or any(c in name for c in "/ @\\"):
            raise InputError(f"--allowed-host {name!r}: ไม่ใช่ชื่อเครื่อง / not a host name")


def _password() -> str:
    given = os.environ.get(ADMIN_PASSWORD_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        raise InputError(
            f"ต้องมีรหัสผ่าน / give the admin's password in ${ADMIN_PASSWORD_ENV} or run this "
            "in a terminal to be asked for it"
        )
    first = getpass.getpass("รหัสผ่าน / password: ")
    if getpass.getpass("อีกครั้ง / again: ") != first:
        raise InputError("รหัสผ่านไม่ตรงกัน / the passwords differ")
    return first


def _create_admin(args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts
    from ..web.audit import AuditLog
    from ..web.db import Workspace

    db = Workspace(args.workspace)
    try:
        name = Accounts(db).create_user(
            args.create_admin, _password(), admin=True, by="command line"
        )
        AuditLog(db).record("command line", "user.create", name, {"admin": True})
    finally:
        db.close()
    print(f"สร้างผู้ดูแลระบบ {name} แล้ว / admin account {name!r} created in {args.workspace}")
    return 0


def _repair(args: argparse.Namespace) -> int:
    from ..web.db import repair

    out = repair(args.workspace)
    kept = ", ".join(f"{t} {n}" for t, n in out["kept"].items() if n) or "nothing"
    print(f"ซ่อมฐานข้อมูลแล้ว / repaired: kept {kept}; the damaged file is {out['damaged_copy']}")
    for table, why in out["unreadable"].items():
        print(f"  อ่านไม่ได้บางส่วน / partly unreadable: {table}: {why}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..web.app import create_app
        from ..web.auth import TOKEN_FILE
        from ..web.server import bind, make_config, raise_open_files_limit
    except ImportError as exc:
        raise WebNotInstalledError(
            "ต้องติดตั้งส่วนเสริม web / the workbench needs the web extra: "
            f"pip install -e '.[web]' ({exc.name} is missing)"
        ) from None
    if args.repair:
        return _repair(args)
    if args.create_admin:
        return _create_admin(args)
    _check_args(args)
    loopback = is_loopback(args.host)
    login = args.login or not loopback
    try:  # "localhost" may resolve to ::1 first; the printed address is 127.0.0.1
        sock = bind("127.0.0.1" if args.host == "localhost" else args.host, args.port)
    except (OSError, UnicodeError) as exc:
        raise InputError(
            f"เปิดที่อยู่ {args.host}:{args.port} ไม่ได้ / cannot listen on "
            f"{args.host}:{args.port} ({getattr(exc, 'strerror', None) or exc}): is the address "
            "one of this machine's, and the port free?"
        ) from None
    try:
        if args.threads is not None:
            os.environ["OMP_NUM_THREADS"] = str(args.threads)
            import torch

            torch.set_num_threads(args.threads)
        hosts = allowed_hosts(args.host, args.allowed_host)
        app = create_app(
            args.workspace,
            embedder=args.embedder,
            index_dir=args.index,
            max_upload=args.max_upload_mb * 1024 * 1024,
            allowed_hosts=hosts,
            login=login,
            behind_tls=args.behind_tls,
        )
        wb: Any = app.state.workbench
        if login and not wb.accounts.has_users():
            raise InputError(
                "ต้องสร้างผู้ดูแลระบบก่อน / login is required here but the workspace has no "
                f"account: run `plansearch serve --workspace {args.workspace} --create-admin NAME`"
            )
    except BaseException:
        sock.close()
        raise
    if not loopback:
        print(
            f"plansearch: listening on {args.host}: login required; answering only to "
            f"{', '.join(sorted(hosts))} (add names with --allowed-host). Put a reverse proxy "
            "with TLS in front (docs/workbench.md).\n"
            f"เปิดให้เครื่องอื่นเข้าถึงได้ที่ {args.host} ต้องเข้าสู่ระบบ",
            file=sys.stderr,
        )
    raise_open_files_limit()
    wb.warm_up()  # parse worker, model and index start while the server starts
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "localhost") else _host_name(args.host)
    print(f"plansearch workbench: http://{shown}:{args.port}/  (workspace {args.workspace})")
    if not login:
        print(f"API token for scripts: {Path(args.workspace) / TOKEN_FILE}")
    else:
        print("scripts: create an API token per account (POST /api/tokens, docs/workbench.md)")
    config = make_config(app, host=args.host, port=args.port, trusted_proxies=args.trusted_proxy)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
