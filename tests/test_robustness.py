"""Bad or unusual input gives a parse or a clear, named error — never a traceback."""

from __future__ import annotations

import time
import warnings
import zipfile
from pathlib import Path

import pytest

from plansearch import (
    BinaryFileError,
    DocumentTooLargeError,
    EmptyDocumentError,
    InputError,
    UnsupportedFormatError,
    load_corpus,
    parse_plan,
)
from plansearch.corpus import CorpusWarning, ingest_corpus, write_sections
from plansearch.parse import decode_bytes
from plansearch.sections import read_jsonl

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "parse_small_plan.txt"


def shape(plan):  # what a reader checks, independent of ids and spans
    return [(s.kind, s.level, s.number, s.title) for s in plan]


# -- empty, binary, encodings ---------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "\n\u3000\n".encode()])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(content)
    with pytest.raises(EmptyDocumentError, match="empty"):
        parse_plan(f)


def test_empty_string() -> None:
    with pytest.raises(EmptyDocumentError):
        parse_plan("  \n ")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"\x7fELF\x02\x01\x01" + bytes(200),
        bytes(range(256)) * 8,  # NUL bytes and controls
        bytes((i * 37 + 11) % 256 for i in range(4000)).replace(b"\x00", b"\x01"),
    ],
)
def test_binary_file(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "image.txt"
    f.write_bytes(content)
    with pytest.raises(BinaryFileError):
        parse_plan(f)


def test_tis620_cp874_file_is_decoded() -> None:
    raw = (DATA / "parse_tis620.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is not UTF-8
    plan = parse_plan(DATA / "parse_tis620.txt")
    assert plan.org == "องค์การบริหารส่วนตำบลทดสอบ"
    assert plan.province == "เชียงใหม่"
    assert shape(plan)[:3] == [
        ("vision", "local", None, "ตำบลน่าอยู่ ประชาชนมีความสุข"),
        ("mission", "local", "1", "พัฒนาแหล่งน้ำเพื่อการเกษตร"),
        ("mission", "local", "2", "ส่งเสริมอาชีพผู้สูงอายุ"),
    ]
    text = decode_bytes(raw)
    for s in plan:  # spans index the decoded text
        assert s.title.split()[0] in text[s.span[0] : s.span[1]]


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp874", "tis-620"]
)
def test_same_plan_in_other_encodings(tmp_path: Path, encoding: str) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("©", "(c)")  # © is not in TIS-620
    if encoding == "tis-620":  # nor are curly quotes (cp874 has them)
        text = text.replace("“", '"').replace("”", '"')
    f = tmp_path / f"plan-{encoding}.txt"
    f.write_bytes(text.encode(encoding))
    assert shape(parse_plan(f)) == shape(parse_plan(text))


def test_undecodable_bytes_raise_named_error() -> None:
    # 0xFC-0xFF are undefined in both cp874 and TIS-620 and invalid in UTF-8
    with pytest.raises(InputError, match="UTF-8"):
        decode_bytes("พันธกิจ".encode("cp874") + b"\xfc\xfd\xfe\xff" * 3)


def test_english_only_text_gives_an_empty_plan() -> None:
    plan = parse_plan(DATA / "parse_english.txt")
    assert len(plan) == 0
    assert plan.org is None and plan.province is None


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        parse_plan(str(tmp_path / "nope" / "plan.txt"))
    with pytest.raises(InputError, match="directory"):
        parse_plan(tmp_path)


def test_bytes_source_is_accepted() -> None:
    assert shape(parse_plan(SMALL.read_bytes())) == shape(parse_plan(SMALL))


# -- size ------------------------------------------------------------------------


@pytest.mark.slow
def test_20_mb_file_parses_in_reasonable_time(tmp_path: Path) -> None:
    one = SMALL.read_bytes()
    copies = 20 * 1024 * 1024 // len(one) + 1
    big = tmp_path / "big.txt"
    big.write_bytes(one * copies)
    assert big.stat().st_size > 20 * 1024 * 1024
    t0 = time.perf_counter()
    plan = parse_plan(big)
    elapsed = time.perf_counter() - t0
    per_copy = len(parse_plan(SMALL))
    assert len(plan) == copies * per_copy  # every copy is parsed, none merged or lost
    assert len({s.id for s in plan}) == len(plan)
    assert elapsed < 180, f"parsing 20 MB took {elapsed:.0f} s"


def test_size_limit(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_bytes(SMALL.read_bytes() * 50)
    with pytest.raises(DocumentTooLargeError, match="max"):
        parse_plan(f, max_bytes=10_000)
    with pytest.raises(DocumentTooLargeError):
        decode_bytes(f.read_bytes(), max_bytes=10_000)
    assert len(parse_plan(f, max_bytes=10_000_000)) > 0


# -- numbering, zero-width characters, CRLF ---------------------------------------


def test_mixed_numbering() -> None:
    plan = parse_plan(DATA / "parse_mixed_numbering.txt")
    rows = [(s.number, s.title, plan.get(s.parent_id).title if s.parent_id else None) for s in plan]
    assert rows == [
        ("1", "ส่งเสริมการเกษตร", None),
        ("1.1", "จัดอบรมเกษตรกร", "ส่งเสริมการเกษตร"),
        ("1", "อบรมการทำปุ๋ยหมัก", "จัดอบรมเกษตรกร"),
        ("2", "อบรมการใช้น้ำหยด", "จัดอบรมเกษตรกร"),
        ("1.2", "สนับสนุนเมล็ดพันธุ์", "ส่งเสริมการเกษตร"),
        ("2", "พัฒนาแหล่งน้ำ", None),  # "๒." Thai digit
        ("ก", "ขุดลอกคลอง", "พัฒนาแหล่งน้ำ"),
        ("ข", "สร้างฝาย", "พัฒนาแหล่งน้ำ"),
        ("3", "ส่งเสริมการท่องเที่ยว", None),  # "- ๓ …"
        (None, "ดูแลสิ่งแวดล้อม", None),  # ". …": the PDF lost the digit
    ]
    assert {s.kind for s in plan} == {"tactic"}


def test_zero_width_and_crlf(tmp_path: Path) -> None:
    clean = SMALL.read_text(encoding="utf-8")
    noisy = "\ufeff" + clean.replace("\n", "\r\n").replace("ส่งเสริม", "ส่ง\u200bเสริม")
    f = tmp_path / "noisy.txt"
    f.write_bytes(noisy.encode("utf-8"))
    a, b = parse_plan(SMALL), parse_plan(f)
    assert shape(a) == shape(b)
    decoded = noisy[1:]  # utf-8-sig decoding drops the BOM
    for s in b:
        piece = decoded[s.span[0] : s.span[1]].replace("\u200b", "")
        assert s.title.split()[0] in piece


def test_small_plan_structure() -> None:
    plan = parse_plan(SMALL)
    assert plan.org == "เทศบาลตำบลบ้านทดสอบ"
    assert plan.province == "ขอนแก่น"
    s1, _ = plan.of("strategy", "local")
    assert [t.number for t in plan.children(s1) if t.kind == "tactic"] == ["1.1", "1.2"]
    assert plan.children(s1)[0].kind == "goal"
    assert plan.of("tactic")[1].text == "ขยายเขตไฟฟ้าสาธารณะ ให้ทั่วถึงทุกหมู่บ้าน"
    sub = [t for t in plan.of("tactic") if t.number in ("ก", "ข")]
    assert all(plan.get(t.parent_id).title == "ส่งเสริมกลุ่มอาชีพ" for t in sub)
    assert sub[0].path == ("ยุทธศาสตร์ที่ 2 การพัฒนาด้านเศรษฐกิจ › 1 ส่งเสริมกลุ่มอาชีพ › ก ฝึกอบรมอาชีพเสริม")
    national = plan.of("strategy", "national")
    assert [s.number for s in national] == ["1", "2"]
    assert plan.of("vision")[0].title == "ชุมชนน่าอยู่ เศรษฐกิจพอเพียง"
    assert not any("Copyright" in s.text for s in plan)


def test_web_debris_is_dropped() -> None:
    plan = parse_plan(DATA / "parse_web_debris.txt")
    assert shape(plan) == [
        ("mission", "local", "1", "จัดให้มีน้ำสะอาดเพื่อการอุปโภคบริโภค"),
        ("mission", "local", "2", "ส่งเสริมการศึกษาของเด็กและเยาวชน"),
    ]


# -- PDF, DOCX, other formats ------------------------------------------------------


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with a Helvetica text line (enough for pypdf to extract)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R"
        b" >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    f = tmp_path / "plan.pdf"
    f.write_bytes(_tiny_pdf("Annual report of the water users"))
    assert "water users" in decode_bytes(f.read_bytes())
    assert len(parse_plan(f)) == 0  # English text: no plan structure, no error


def test_broken_pdf(tmp_path: Path) -> None:
    f = tmp_path / "broken.pdf"
    f.write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    with pytest.raises(InputError, match="PDF"):
        parse_plan(f)


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("พันธกิจ")
    d.add_paragraph("1. พัฒนาแหล่งน้ำเพื่อการเกษตร")
    d.add_paragraph("2. ส่งเสริมอาชีพผู้สูงอายุ")
    d.add_paragraph("ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ")
    d.add_paragraph("กลยุทธ์")
    table = d.add_table(rows=2, cols=3)
    for r, (num, name) in enumerate([("1.", "ส่งเสริมตลาดชุมชน"), ("2.", "ฝึกอบรมอาชีพ")]):
        table.cell(r, 0).text = f"{num} {name}"
        table.cell(r, 1).text = "10 ครั้ง"
        table.cell(r, 2).text = "กองสวัสดิการ"
    f = tmp_path / "plan.docx"
    d.save(str(f))
    plan = parse_plan(f)
    assert [(s.kind, s.number, s.title) for s in plan] == [
        ("mission", "1", "พัฒนาแหล่งน้ำเพื่อการเกษตร"),
        ("mission", "2", "ส่งเสริมอาชีพผู้สูงอายุ"),
        ("strategy", "1", "การพัฒนาด้านเศรษฐกิจ"),
        ("tactic", "1", "ส่งเสริมตลาดชุมชน"),
        ("tactic", "2", "ฝึกอบรมอาชีพ"),
    ]


def test_other_formats_are_named(tmp_path: Path) -> None:
    z = tmp_path / "archive.txt"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(UnsupportedFormatError, match="ZIP"):
        parse_plan(z)
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(UnsupportedFormatError, match=r"\.docx"):
        parse_plan(doc)


# -- corpus loading ----------------------------------------------------------------


def test_load_corpus_skips_bad_files_loudly(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b_plan.txt").write_bytes(SMALL.read_bytes())
    (tmp_path / "a_plan.txt").write_bytes((DATA / "parse_tis620.txt").read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "notes.csv").write_text("ignored")
    (tmp_path / ".hidden.txt").write_text("ignored")
    with pytest.warns(CorpusWarning) as record:
        plans = load_corpus(tmp_path)
    assert [Path(p.source).name for p in plans] == ["a_plan.txt", "b_plan.txt"]
    messages = " ".join(str(w.message) for w in record)
    assert "empty.txt" in messages and "photo.txt" in messages
    result = ingest_corpus(tmp_path)
    assert sorted(Path(f).name for f, _ in result.skipped) == ["empty.txt", "photo.txt"]
    with pytest.raises(InputError, match="could not be parsed"):
        load_corpus(tmp_path, strict=True)
    out = tmp_path / "out" / "sections.jsonl"
    n = write_sections(plans, out)
    back = read_jsonl(out)
    assert n == len(back) == sum(len(p) for p in plans)
    assert back == [s for p in plans for s in p]


def test_load_corpus_without_documents(tmp_path: Path) -> None:
    (tmp_path / "readme.csv").write_text("x")
    with pytest.raises(InputError, match="no "):
        load_corpus(tmp_path)
    with pytest.raises(InputError, match="no such"):
        load_corpus(tmp_path / "missing")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_corpus(SMALL)) == 1  # a single file is a corpus of one


# -- memory stays linear in the input (issue 12, defect 2) ------------------------


def _peak_bytes(fn, *args) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_org_detection_memory_is_linear_in_a_glued_name_run() -> None:
    # One organisation name repeated without spaces: every mention used to copy the
    # rest of the text (108 KB needed 72 MB, 432 KB needed 1.14 GB).
    from plansearch.parse.identity import detect_org

    small = "เทศบาลตำบลบ้านอ้อน" * 500
    large = "เทศบาลตำบลบ้านอ้อน" * 2000
    per_byte_small = _peak_bytes(detect_org, small) / len(small.encode())
    per_byte_large = _peak_bytes(detect_org, large) / len(large.encode())
    assert per_byte_large < 40, per_byte_large
    assert per_byte_large < 2 * per_byte_small + 5  # 4× the input, not 4× the bytes/byte


def test_org_detection_of_a_glued_run_still_names_the_org() -> None:
    from plansearch.parse.identity import MAX_NAME_CHARS, detect_org

    assert detect_org("เทศบาลตำบลบ้านอ้อน " * 3) == "เทศบาลตำบลบ้านอ้อน"
    name = detect_org("เทศบาลตำบลบ้านอ้อน" * 2000)
    assert name is not None and name.startswith("เทศบาลตำบล")
    assert len(name) <= len("เทศบาลตำบล") + MAX_NAME_CHARS


def test_parse_plan_of_a_long_glued_org_run_is_bounded() -> None:
    text = "เทศบาลตำบลบ้านอ้อน" * 4000  # 216 KB
    peak = _peak_bytes(parse_plan, text)
    assert peak < 40 * len(text.encode()), peak


# -- sections JSONL: every bad line is a named error with file:line (defect 5) -----

_GOOD_RECORD = (
    '{"id": "s1", "kind": "goal", "level": "local", "title": "ส่งเสริมอาชีพ", '
    '"text": "ส่งเสริมอาชีพ", "span": [0, 12]}'
)


@pytest.mark.parametrize(
    "line",
    [
        b"[1]",
        b"42",
        b'"text"',
        b"null",
        b"{}",
        b'{"id": "s1", "kind": "goal", "level": "local", "title": 5, "text": "x"}',
        b'{"id": "s1", "kind": "goal", "level": "local", "title": "x", "text": ["x"]}',
        b'{"id": 1, "kind": "goal", "level": "local", "title": "x", "text": "x"}',
        b'{"id": "s1", "kind": "goal", "level": "local", "title": "x", "text": "x", "span": 3}',
        b'{"id": "s1", "kind": "goal", "level": "local", "title": "x", "text": "x", '
        b'"span": [5, "a"]}',
        b'{"id": "s1", "kind": "nope", "level": "local", "title": "x", "text": "x"}',
        "ส่งเสริม".encode("cp874"),  # Thai, but not UTF-8
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"id": "s1", "kind": "goal", "level": "local", "title": "x", "text": "x", '
        b'"span": [0, ' + b"9" * 5000 + b"]}",
    ],
    ids=lambda b: repr(b[:30]),
)
def test_read_jsonl_bad_line_names_file_and_line(tmp_path: Path, line: bytes) -> None:
    from plansearch.errors import SectionRecordError

    f = tmp_path / "sections.jsonl"
    f.write_bytes(_GOOD_RECORD.encode() + b"\n\n" + line + b"\n")
    with pytest.raises(SectionRecordError, match=r"sections\.jsonl:3: ") as info:
        read_jsonl(f)
    assert isinstance(info.value, InputError)


def test_read_jsonl_reads_good_records_with_a_bom(tmp_path: Path) -> None:
    f = tmp_path / "sections.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + _GOOD_RECORD.encode() + b"\n")
    (s,) = read_jsonl(f)
    assert (s.title, s.span) == ("ส่งเสริมอาชีพ", (0, 12))
