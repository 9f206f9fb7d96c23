"""``plansearch serve``: start the planner workbench (a local web app).

Binds 127.0.0.1 by default; asked to listen on another address it warns, because
anyone who can reach the port can read the workspace's plans.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from ..errors import PlanSearchError

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}


class WebNotInstalledError(PlanSearchError):
    """The optional web extra (FastAPI, uvicorn, Jinja2) is not installed."""


def register(sub: argparse._SubParsersAction) -> None:
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
    p.add_argument("--port", type=int, default=8000, help="พอร์ต / port (default: %(default)s)")
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
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..web.app import create_app
        from ..web.auth import TOKEN_FILE
    except ImportError as exc:
        raise WebNotInstalledError(
            "ต้องติดตั้งส่วนเสริม web / the workbench needs the web extra: "
            f"pip install -e '.[web]' ({exc.name} is missing)"
        ) from None
    if args.threads is not None:
        if args.threads < 1:
            raise PlanSearchError("--threads must be at least 1")
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
        import torch

        torch.set_num_threads(args.threads)
    if args.index and not Path(args.index).is_dir():
        raise PlanSearchError(
            f"{args.index}: no such index directory (build one with plansearch index)"
        )
    loopback = is_loopback(args.host)
    if not loopback:
        print(
            f"plansearch: warning: listening on {args.host}: anyone who can reach port "
            f"{args.port} can read and change this workspace (they still need the API token "
            "for changes). Use --host 127.0.0.1 unless this network is trusted.\n"
            f"คำเตือน: เปิดให้เครื่องอื่นเข้าถึงได้ที่ {args.host}",
            file=sys.stderr,
        )
    app = create_app(
        args.workspace,
        embedder=args.embedder,
        index_dir=args.index,
        max_upload=args.max_upload_mb * 1024 * 1024,
        allowed_hosts={"127.0.0.1", "localhost", "[::1]"} if loopback else None,
    )
    app.state.workbench.warm_up()  # model and index load while the server starts
    shown = "127.0.0.1" if loopback else args.host
    print(f"plansearch workbench: http://{shown}:{args.port}/  (workspace {args.workspace})")
    print(f"API token for scripts: {Path(args.workspace) / TOKEN_FILE}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
