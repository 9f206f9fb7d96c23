"""Every CLI command on bad input: no traceback, exit code 2, one stderr line (Thai + English).

The matrix runs ``plansearch.cli.main`` in-process. An exception escaping ``main`` is what
a user would see as a traceback. Output targets that are not regular files (a device, a
FIFO, a symlink, a directory) must be refused *and left untouched*; the device is a
character device node made by the test itself (the same major/minor as ``/dev/full``), so
a regression cannot damage the machine's ``/dev``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from plansearch.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"
SECTIONS = Path(__file__).parent / "data" / "index_sections.jsonl"
THAI = re.compile(r"[\u0e00-\u0e7f]")
LATIN = re.compile(r"[A-Za-z]{3,}")

# A plan that quotes no province (or provincial-group / PAO) strategies.
NO_PROVINCE_PLAN = (
    "แผนพัฒนาท้องถิ่น องค์การบริหารส่วนตำบลตัวอย่าง\n"
    "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ\n"
    "แนวทางการพัฒนา\n"
    "1.1 ส่งเสริมอาชีพและรายได้ของประชาชน\n"
    "ยุทธศาสตร์ที่ 2 การพัฒนาด้านโครงสร้างพื้นฐาน\n"
    "แนวทางการพัฒนา\n"
    "2.1 ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน\n"
)


@dataclass(frozen=True)
class Shared:
    """Inputs built once for the whole matrix."""

    plan: Path  # a real plan (seed 001)
    noprov: Path  # a plan quoting no province strategies
    corpus: Path  # a folder with one small plan
    empty: Path
    binary: Path
    cp874_jsonl: Path
    empty_dir: Path
    binary_dir: Path  # a folder whose only plan is binary
    non_index_dir: Path  # a non-empty folder that is not an index
    jsonl_list: Path  # a line that is a JSON list
    jsonl_number: Path  # a line that is a number
    jsonl_title_int: Path  # "title": 5
    jsonl_bad_utf8: Path
    index: Path
    index_bad_manifest: Path
    index_bad_sections: Path
    index_missing_file: Path
    regular: Path  # a regular file where a folder is expected


@dataclass(frozen=True)
class Fresh:
    """Per-case paths (an output case may clobber them before the fix)."""

    tmp: Path
    device: Path
    fifo: Path
    link_to_file: Path
    link_target: Path
    link_to_dir: Path
    out_dir: Path
    regular: Path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Shared:
    d = tmp_path_factory.mktemp("bad_input")
    plan = d / "plan.txt"
    shutil.copy(SEED, plan)
    noprov = d / "noprov.txt"
    noprov.write_text(NO_PROVINCE_PLAN, encoding="utf-8")
    corpus = d / "corpus"
    corpus.mkdir()
    (corpus / "small.txt").write_text(NO_PROVINCE_PLAN, encoding="utf-8")
    empty = d / "empty.txt"
    empty.write_bytes(b"")
    binary = d / "binary.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    cp874_jsonl = d / "cp874.jsonl"
    cp874_jsonl.write_bytes(SECTIONS.read_text(encoding="utf-8").encode("cp874"))
    empty_dir = d / "empty_dir"
    empty_dir.mkdir()
    binary_dir = d / "binary_dir"
    binary_dir.mkdir()
    shutil.copy(binary, binary_dir / "plan.txt")
    non_index_dir = d / "precious"
    non_index_dir.mkdir()
    (non_index_dir / "notes.txt").write_text("ข้อมูลสำคัญ", encoding="utf-8")
    first = SECTIONS.read_text(encoding="utf-8").splitlines()[0]
    jsonl_list = d / "list.jsonl"
    jsonl_list.write_text(first + "\n[1]\n", encoding="utf-8")
    jsonl_number = d / "number.jsonl"
    jsonl_number.write_text("42\n", encoding="utf-8")
    jsonl_title_int = d / "title_int.jsonl"
    jsonl_title_int.write_text(
        re.sub(r'"title": "[^"]*"', '"title": 5', first) + "\n", encoding="utf-8"
    )
    jsonl_bad_utf8 = d / "bad_utf8.jsonl"
    jsonl_bad_utf8.write_bytes(first.encode("utf-8") + b"\n\xff\xfe{\n")
    index = d / "idx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert (
            main(["index", str(SECTIONS), "--out", str(index), "--embedder", "hashing", "-q"]) == 0
        )
    # damaged copies; files are found wherever the index layout keeps them
    index_bad_manifest = d / "idx_bad_manifest"
    shutil.copytree(index, index_bad_manifest)
    for f in _found(index_bad_manifest, "manifest.json"):
        f.write_text("{", encoding="utf-8")
    index_bad_sections = d / "idx_bad_sections"
    shutil.copytree(index, index_bad_sections)
    for f in _found(index_bad_sections, "sections.jsonl"):
        with f.open("ab") as fh:
            fh.write(b"\n{}\n")
    index_missing_file = d / "idx_missing_file"
    shutil.copytree(index, index_missing_file)
    for f in _found(index_missing_file, "*.faiss"):
        f.unlink()
    regular = d / "regular.txt"
    regular.write_text("ไม่ใช่โฟลเดอร์", encoding="utf-8")
    return Shared(
        plan=plan,
        noprov=noprov,
        corpus=corpus,
        empty=empty,
        binary=binary,
        cp874_jsonl=cp874_jsonl,
        empty_dir=empty_dir,
        binary_dir=binary_dir,
        non_index_dir=non_index_dir,
        jsonl_list=jsonl_list,
        jsonl_number=jsonl_number,
        jsonl_title_int=jsonl_title_int,
        jsonl_bad_utf8=jsonl_bad_utf8,
        index=index,
        index_bad_manifest=index_bad_manifest,
        index_bad_sections=index_bad_sections,
        index_missing_file=index_missing_file,
        regular=regular,
    )


def _found(root: Path, pattern: str) -> list[Path]:
    found = sorted(root.rglob(pattern))
    assert found, f"no {pattern} in the index {root}"
    return found


def _device(path: Path) -> Path:
    """A character device like /dev/full, made here; /dev/full itself if mknod is refused."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except OSError:
        return Path("/dev/full")
    return path


@pytest.fixture()
def fresh(tmp_path: Path) -> Fresh:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "target.txt"
    target.write_text("เดิม", encoding="utf-8")
    link = tmp_path / "link.out"
    link.symlink_to(target)
    real_dir = tmp_path / "real_dir"
    real_dir.mkdir()
    link_dir = tmp_path / "link_dir"
    link_dir.symlink_to(real_dir, target_is_directory=True)
    out_dir = tmp_path / "out_dir"
    out_dir.mkdir()
    regular = tmp_path / "regular.txt"
    regular.write_text("ไฟล์ธรรมดา", encoding="utf-8")
    return Fresh(
        tmp=tmp_path,
        device=_device(tmp_path / "full"),
        fifo=fifo,
        link_to_file=link,
        link_target=target,
        link_to_dir=link_dir,
        out_dir=out_dir,
        regular=regular,
    )


Argv = Callable[[Shared, Fresh], list[str]]
H = ["--embedder", "hashing"]
#: (case id, argv builder). Every case must exit 2 with one clean stderr line.
CASES: list[tuple[str, Argv]] = [
    # -------------------------------------------------------------- ingest
    ("ingest-missing", lambda s, f: ["ingest", str(f.tmp / "nope.txt")]),
    ("ingest-empty-file", lambda s, f: ["ingest", str(s.empty)]),
    ("ingest-binary-file", lambda s, f: ["ingest", str(s.binary)]),
    ("ingest-fifo", lambda s, f: ["ingest", str(f.fifo)]),
    ("ingest-device", lambda s, f: ["ingest", str(f.device)]),
    ("ingest-empty-dir", lambda s, f: ["ingest", str(s.empty_dir)]),
    ("ingest-dir-only-binary", lambda s, f: ["ingest", str(s.binary_dir)]),
    ("ingest-out-dir", lambda s, f: ["ingest", str(s.plan), "--out", str(f.out_dir)]),
    (
        "ingest-out-under-file",
        lambda s, f: ["ingest", str(s.plan), "--out", str(f.regular / "x.jsonl")],
    ),
    ("ingest-out-device", lambda s, f: ["ingest", str(s.plan), "--out", str(f.device)]),
    ("ingest-out-symlink", lambda s, f: ["ingest", str(s.plan), "--out", str(f.link_to_file)]),
    ("ingest-out-fifo", lambda s, f: ["ingest", str(s.plan), "--out", str(f.fifo)]),
    ("ingest-out-proc", lambda s, f: ["ingest", str(s.plan), "--out", "/proc/ps-test/x.jsonl"]),
    ("ingest-max-mb-nan", lambda s, f: ["ingest", str(s.plan), "--max-mb", "nan"]),
    ("ingest-max-mb-inf", lambda s, f: ["ingest", str(s.plan), "--max-mb", "inf"]),
    ("ingest-max-mb-zero", lambda s, f: ["ingest", str(s.plan), "--max-mb", "0"]),
    ("ingest-max-mb-negative", lambda s, f: ["ingest", str(s.plan), "--max-mb", "-1"]),
    ("ingest-max-mb-word", lambda s, f: ["ingest", str(s.plan), "--max-mb", "big"]),
    ("ingest-too-large", lambda s, f: ["ingest", str(s.plan), "--max-mb", "0.0001"]),
    ("ingest-no-path", lambda s, f: ["ingest"]),
    ("ingest-org-empty", lambda s, f: ["ingest", str(s.plan), "--org", " "]),
    ("ingest-province-unknown", lambda s, f: ["ingest", str(s.plan), "--province", "Atlantis"]),
    ("ingest-province-typo-far", lambda s, f: ["ingest", str(s.plan), "--province", "จ.เลยมากมาย"]),
    # --------------------------------------------------------------- index
    ("index-missing", lambda s, f: ["index", str(f.tmp / "nope"), "--out", str(f.tmp / "i"), *H]),
    ("index-empty-file", lambda s, f: ["index", str(s.empty), "--out", str(f.tmp / "i"), *H]),
    ("index-binary-file", lambda s, f: ["index", str(s.binary), "--out", str(f.tmp / "i"), *H]),
    ("index-fifo", lambda s, f: ["index", str(f.fifo), "--out", str(f.tmp / "i"), *H]),
    ("index-empty-dir", lambda s, f: ["index", str(s.empty_dir), "--out", str(f.tmp / "i"), *H]),
    (
        "index-dir-only-binary",
        lambda s, f: ["index", str(s.binary_dir), "--out", str(f.tmp / "i"), *H],
    ),
    (
        "index-cp874-jsonl",
        lambda s, f: ["index", str(s.cp874_jsonl), "--out", str(f.tmp / "i"), *H],
    ),
    ("index-jsonl-list", lambda s, f: ["index", str(s.jsonl_list), "--out", str(f.tmp / "i"), *H]),
    (
        "index-jsonl-number",
        lambda s, f: ["index", str(s.jsonl_number), "--out", str(f.tmp / "i"), *H],
    ),
    (
        "index-jsonl-title-int",
        lambda s, f: ["index", str(s.jsonl_title_int), "--out", str(f.tmp / "i"), *H],
    ),
    (
        "index-jsonl-bad-utf8",
        lambda s, f: ["index", str(s.jsonl_bad_utf8), "--out", str(f.tmp / "i"), *H],
    ),
    ("index-out-file", lambda s, f: ["index", str(SECTIONS), "--out", str(f.regular), *H]),
    (
        "index-out-under-file",
        lambda s, f: ["index", str(SECTIONS), "--out", str(f.regular / "i"), *H],
    ),
    ("index-out-device", lambda s, f: ["index", str(SECTIONS), "--out", str(f.device), *H]),
    ("index-out-fifo", lambda s, f: ["index", str(SECTIONS), "--out", str(f.fifo), *H]),
    ("index-out-symlink", lambda s, f: ["index", str(SECTIONS), "--out", str(f.link_to_dir), *H]),
    (
        "index-out-not-an-index",
        lambda s, f: ["index", str(SECTIONS), "--out", str(s.non_index_dir), *H],
    ),
    ("index-out-proc", lambda s, f: ["index", str(SECTIONS), "--out", "/proc/ps-test/i", *H]),
    (
        "index-embedder-hashing-0",
        lambda s, f: ["index", str(SECTIONS), "--out", str(f.tmp / "i"), "--embedder", "hashing:0"],
    ),
    (
        "index-embedder-hashing-word",
        lambda s, f: ["index", str(SECTIONS), "--out", str(f.tmp / "i"), "--embedder", "hashing:x"],
    ),
    (
        "index-embedder-hashing-negative",
        lambda s, f: [
            "index",
            str(SECTIONS),
            "--out",
            str(f.tmp / "i"),
            "--embedder",
            "hashing:-5",
        ],
    ),
    (
        "index-embedder-misspelt",
        lambda s, f: ["index", str(SECTIONS), "--out", str(f.tmp / "i"), "--embedder", "hasing"],
    ),
    (
        "index-embedder-missing-dir",
        lambda s, f: [
            "index",
            str(SECTIONS),
            "--out",
            str(f.tmp / "i"),
            "--embedder",
            str(f.tmp / "no-model"),
        ],
    ),
    ("index-no-out", lambda s, f: ["index", str(SECTIONS)]),
    (
        "index-jsonl-with-org",
        lambda s, f: ["index", str(SECTIONS), "--out", str(f.tmp / "i"), "--org", "อบต.ก", *H],
    ),
    # -------------------------------------------------------------- search
    ("search-empty-query", lambda s, f: ["search", "", "--index", str(s.index)]),
    ("search-blank-query", lambda s, f: ["search", "  \t", "--index", str(s.index)]),
    ("search-k-zero", lambda s, f: ["search", "ถนน", "--index", str(s.index), "--k", "0"]),
    ("search-k-negative", lambda s, f: ["search", "ถนน", "--index", str(s.index), "--k", "-1"]),
    ("search-k-word", lambda s, f: ["search", "ถนน", "--index", str(s.index), "--k", "ten"]),
    (
        "search-level-bogus",
        lambda s, f: ["search", "ถนน", "--index", str(s.index), "--level", "bogus"],
    ),
    ("search-kind-bogus", lambda s, f: ["search", "ถนน", "--index", str(s.index), "--kind", "x"]),
    ("search-mode-bogus", lambda s, f: ["search", "ถนน", "--index", str(s.index), "--mode", "x"]),
    ("search-index-missing", lambda s, f: ["search", "ถนน", "--index", str(f.tmp / "none")]),
    ("search-index-file", lambda s, f: ["search", "ถนน", "--index", str(s.regular)]),
    ("search-index-fifo", lambda s, f: ["search", "ถนน", "--index", str(f.fifo)]),
    ("search-index-empty-dir", lambda s, f: ["search", "ถนน", "--index", str(s.empty_dir)]),
    (
        "search-index-bad-manifest",
        lambda s, f: ["search", "ถนน", "--index", str(s.index_bad_manifest)],
    ),
    (
        "search-index-bad-sections",
        lambda s, f: ["search", "ถนน", "--index", str(s.index_bad_sections)],
    ),
    (
        "search-index-missing-file",
        lambda s, f: ["search", "ถนน", "--index", str(s.index_missing_file)],
    ),
    (
        "search-embedder-hashing-0",
        lambda s, f: ["search", "ถนน", "--index", str(s.index), "--embedder", "hashing:0"],
    ),
    (
        "search-embedder-mismatch",
        lambda s, f: ["search", "ถนน", "--index", str(s.index), "--embedder", "hashing:64"],
    ),
    ("search-no-query", lambda s, f: ["search"]),
    # ------------------------------------------------------------- similar
    ("similar-empty-query", lambda s, f: ["similar", "", "--index", str(s.index)]),
    ("similar-blank-query", lambda s, f: ["similar", " \n ", "--index", str(s.index)]),
    ("similar-k-zero", lambda s, f: ["similar", "ถนน", "--index", str(s.index), "--k", "0"]),
    ("similar-k-negative", lambda s, f: ["similar", "ถนน", "--index", str(s.index), "--k", "-2"]),
    ("similar-index-missing", lambda s, f: ["similar", "ถนน", "--index", str(f.tmp / "none")]),
    ("similar-index-file", lambda s, f: ["similar", "ถนน", "--index", str(s.regular)]),
    (
        "similar-index-bad-manifest",
        lambda s, f: ["similar", "ถนน", "--index", str(s.index_bad_manifest)],
    ),
    (
        "similar-index-bad-sections",
        lambda s, f: ["similar", "ถนน", "--index", str(s.index_bad_sections)],
    ),
    (
        "similar-embedder-hashing-0",
        lambda s, f: ["similar", "ถนน", "--index", str(s.index), "--embedder", "hashing:0"],
    ),
    (
        "similar-unknown-option",
        lambda s, f: ["similar", "ถนน", "--index", str(s.index), "--level", "bogus"],
    ),
    # --------------------------------------------------------------- align
    ("align-missing", lambda s, f: ["align", str(f.tmp / "nope.txt"), *H]),
    ("align-dir", lambda s, f: ["align", str(s.empty_dir), *H]),
    ("align-empty-file", lambda s, f: ["align", str(s.empty), *H]),
    ("align-binary-file", lambda s, f: ["align", str(s.binary), *H]),
    ("align-fifo", lambda s, f: ["align", str(f.fifo), *H]),
    ("align-device", lambda s, f: ["align", str(f.device), *H]),
    ("align-statements-dir", lambda s, f: ["align", str(s.empty_dir), "--statements", *H]),
    ("align-statements-empty", lambda s, f: ["align", str(s.empty), "--statements", *H]),
    ("align-statements-binary", lambda s, f: ["align", str(s.binary), "--statements", *H]),
    ("align-statements-fifo", lambda s, f: ["align", str(f.fifo), "--statements", *H]),
    (
        "align-statements-with-org",
        lambda s, f: ["align", str(s.noprov), "--statements", "--org", "อบต.ก", *H],
    ),
    (
        "align-statements-against-province",
        lambda s, f: ["align", str(s.noprov), "--statements", "--against", "province", *H],
    ),
    (
        "align-no-province-quoted",
        lambda s, f: ["align", str(s.noprov), "--against", "province", *H],
    ),
    ("align-against-bogus", lambda s, f: ["align", str(s.plan), "--against", "bogus", *H]),
    (
        "align-reference-missing",
        lambda s, f: ["align", str(s.plan), "--reference", str(f.tmp / "r.yaml"), *H],
    ),
    (
        "align-reference-binary",
        lambda s, f: ["align", str(s.plan), "--reference", str(s.binary), *H],
    ),
    (
        "align-reference-dir",
        lambda s, f: ["align", str(s.plan), "--reference", str(s.empty_dir), *H],
    ),
    ("align-k-zero", lambda s, f: ["align", str(s.plan), "--k", "0", *H]),
    ("align-k-negative", lambda s, f: ["align", str(s.plan), "--k", "-1", *H]),
    ("align-embedder-hashing-0", lambda s, f: ["align", str(s.plan), "--embedder", "hashing:0"]),
    ("align-out-dir", lambda s, f: ["align", str(s.plan), "--out", str(f.out_dir), *H]),
    (
        "align-out-under-file",
        lambda s, f: ["align", str(s.plan), "--out", str(f.regular / "r.json"), *H],
    ),
    (
        "align-out-device",
        lambda s, f: ["align", str(s.plan), "--format", "json", "--out", str(f.device), *H],
    ),
    (
        "align-out-symlink",
        lambda s, f: ["align", str(s.plan), "--format", "json", "--out", str(f.link_to_file), *H],
    ),
    (
        "align-out-fifo",
        lambda s, f: ["align", str(s.plan), "--format", "csv", "--out", str(f.fifo), *H],
    ),
    ("align-out-proc", lambda s, f: ["align", str(s.plan), "--out", "/proc/ps-test/r.json", *H]),
    ("align-format-bogus", lambda s, f: ["align", str(s.plan), "--format", "pdf", *H]),
    (
        "align-out-suffix-bogus",
        lambda s, f: ["align", str(s.plan), "--out", str(f.tmp / "r.pdf"), *H],
    ),
    ("align-html-without-out", lambda s, f: ["align", str(s.plan), "--format", "html", *H]),
    # ----------------------------------------------------------------- run
    ("run-missing", lambda s, f: ["run", str(f.tmp / "nope"), "--out", str(f.tmp / "r"), *H]),
    ("run-empty-dir", lambda s, f: ["run", str(s.empty_dir), "--out", str(f.tmp / "r"), *H]),
    ("run-dir-only-binary", lambda s, f: ["run", str(s.binary_dir), "--out", str(f.tmp / "r"), *H]),
    ("run-fifo", lambda s, f: ["run", str(f.fifo), "--out", str(f.tmp / "r"), *H]),
    ("run-out-file", lambda s, f: ["run", str(s.corpus), "--out", str(f.regular), *H]),
    ("run-out-under-file", lambda s, f: ["run", str(s.corpus), "--out", str(f.regular / "r"), *H]),
    ("run-out-device", lambda s, f: ["run", str(s.corpus), "--out", str(f.device), *H]),
    ("run-out-symlink", lambda s, f: ["run", str(s.corpus), "--out", str(f.link_to_dir), *H]),
    (
        "run-index-file",
        lambda s, f: ["run", str(s.corpus), "--out", str(f.out_dir), "--index", str(f.regular), *H],
    ),
    (
        "run-index-device",
        lambda s, f: ["run", str(s.corpus), "--out", str(f.out_dir), "--index", str(f.device), *H],
    ),
    (
        "run-k-zero",
        lambda s, f: ["run", str(s.corpus), "--out", str(f.out_dir), "--k", "0", *H],
    ),
    (
        "run-k-negative",
        lambda s, f: ["run", str(s.corpus), "--out", str(f.out_dir), "--k", "-4", *H],
    ),
    (
        "run-embedder-hashing-0",
        lambda s, f: ["run", str(s.corpus), "--out", str(f.out_dir), "--embedder", "hashing:0"],
    ),
    (
        "run-against-bogus",
        lambda s, f: ["run", str(s.corpus), "--out", str(f.out_dir), "--against", "bogus", *H],
    ),
    # ----------------------------------------------------------- top level
    ("no-command", lambda s, f: []),
    ("unknown-command", lambda s, f: ["serach", "ถนน"]),
    ("unknown-option", lambda s, f: ["--bogus"]),
    ("help-unknown-option", lambda s, f: ["search", "--help-me"]),
]


@dataclass
class Outcome:
    rc: int | None
    err: str
    exception: BaseException | None
    warned: list[str]


class _FifoUnblocker:
    """If the CLI opens a FIFO for reading, connect and close a writer (EOF) so the
    test cannot hang; the CLI should refuse FIFOs before opening them."""

    def __init__(self, fifo: Path) -> None:
        self.fifo = fifo
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.02)
                continue
            os.close(fd)

    def __enter__(self) -> _FifoUnblocker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str], fifo: Path) -> Outcome:
    capsys.readouterr()
    exception: BaseException | None = None
    rc: int | None = None
    with warnings.catch_warnings(record=True) as caught, _FifoUnblocker(fifo):
        warnings.simplefilter("always")
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # what a user sees as a traceback
            exception = exc
    return Outcome(rc, capsys.readouterr().err, exception, [str(w.message) for w in caught])


def _snapshot(f: Fresh) -> dict[str, object]:
    return {
        "device": stat.S_ISCHR(os.lstat(f.device).st_mode),
        "fifo": stat.S_ISFIFO(os.lstat(f.fifo).st_mode),
        "link": os.readlink(f.link_to_file),
        "target": f.link_target.read_text(encoding="utf-8"),
        "link_dir": os.readlink(f.link_to_dir),
        "link_dir_empty": not any(f.link_to_dir.iterdir()),
        "regular": f.regular.read_text(encoding="utf-8"),
        "out_dir_empty": not any(f.out_dir.iterdir()),
    }


@pytest.mark.parametrize(("case", "argv"), CASES, ids=[c for c, _ in CASES])
def test_bad_input_is_one_clean_line(
    case: str, argv: Argv, shared: Shared, fresh: Fresh, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(fresh)
    precious = sorted(p.name for p in shared.non_index_dir.iterdir())
    out = invoke(argv(shared, fresh), capsys, fresh.fifo)
    assert out.exception is None, f"TRACEBACK {type(out.exception).__name__}: {out.exception}"
    assert out.rc == 2, f"exit code {out.rc}; stderr: {out.err!r}"
    lines = [ln for ln in out.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and not out.warned, f"stderr lines: {lines}; warnings: {out.warned}"
    line = lines[0]
    assert line.startswith("plansearch: ")
    assert THAI.search(line) and LATIN.search(line), line
    assert "Traceback" not in line
    after = _snapshot(fresh)
    if not case.startswith(("ingest-out-dir", "align-out-dir")):
        assert after == before, "an output target was changed"
    else:
        assert after["out_dir_empty"]
    assert sorted(p.name for p in shared.non_index_dir.iterdir()) == precious


def test_matrix_is_large() -> None:
    assert len(CASES) >= 100
    assert len({c for c, _ in CASES}) == len(CASES)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_read_only_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "locked.txt"
    f.write_text(NO_PROVINCE_PLAN, encoding="utf-8")
    f.chmod(0)
    locked = tmp_path / "read_only"
    locked.mkdir()
    locked.chmod(0o555)
    for argv in (
        ["ingest", str(f)],
        ["align", str(f), *H],
        ["align", str(f), "--statements", *H],
        ["ingest", str(SEED), "--out", str(locked / "s.jsonl")],
        ["index", str(SECTIONS), "--out", str(locked / "idx"), *H],
        ["run", str(SEED), "--out", str(locked / "reports"), *H],
    ):
        out = invoke(argv, capsys, tmp_path / "unused")
        assert out.exception is None and out.rc == 2
        assert len(out.err.strip().splitlines()) == 1
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("mistake", [["--no-such-option"], ["--k"], ["--help=x"]])
def test_every_command_reports_a_usage_mistake_in_one_line(
    command: str, mistake: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Holds for commands added later too (the list comes from the parser itself)."""
    out = invoke([command, *mistake], capsys, Path("/nonexistent-fifo"))
    assert out.exception is None and out.rc == 2, out
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and THAI.search(lines[0]) and "--help" in lines[0]


def test_version_still_works(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.startswith("plansearch ")
