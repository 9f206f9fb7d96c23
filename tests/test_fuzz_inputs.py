"""Fuzzing the input paths: plan text/bytes, reference files, section JSONL.

Whatever the input, the outcome is a result or a :class:`~plansearch.errors.PlanSearchError`
(never ``RecursionError``, ``ValueError``, ``TypeError``, ``UnicodeDecodeError``…).

The default run is bounded and deterministic (``derandomize``, 40–60 examples per
test, no example database). With ``HYPOTHESIS_PROFILE`` set (``make fuzz`` selects the
longer ``fuzz`` profile registered in ``conftest.py``), the loaded profile decides the
number of examples and the randomness.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from plansearch import parse_plan
from plansearch.errors import PlanSearchError
from plansearch.frameworks import load_reference, reference_from_dict
from plansearch.sections import read_jsonl

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
REF_SEEDS = sorted(
    [*(ROOT / "tests" / "data").glob("ref_*.*"), *(ROOT / "examples").glob("reference_example.*")]
)


def fuzz_settings(examples: int) -> settings:
    """No deadline; ``examples`` examples, derandomized — unless a profile is chosen
    through ``HYPOTHESIS_PROFILE``, whose example count and randomness then apply."""
    common: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return settings(**common)
    return settings(max_examples=examples, derandomize=True, database=None, **common)


# --------------------------------------------------------------------------- strategies

THAI_LETTERS = "".join(chr(c) for c in range(0x0E01, 0x0E2F))
THAI_MARKS = "".join(chr(c) for c in (*range(0x0E30, 0x0E3B), *range(0x0E40, 0x0E4F)))
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
PUNCT = " \n\t.()“”\"'-–:;,/\u200b\u00a0\u3000\r"
HEADINGS = [
    "ยุทธศาสตร์ที่ ๑ ",
    "ยุทธศาสตร์ที่ 2 ",
    "ประเด็นยุทธศาสตร์ที่ ๓ ",
    "ยุทธศาสตร์การพัฒนาของ อปท. ในเขตจังหวัด\n",
    "ยุทธศาสตร์จังหวัด\n",
    "แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ ฉบับที่ ๑๓\n",
    "วิสัยทัศน์\n",
    "พันธกิจ\n",
    "เป้าประสงค์\n",
    "กลยุทธ์\n",
    "แนวทางการพัฒนา\n",
    "ตัวชี้วัด\n",
    "โครงการ\n",
    "๑.๑ ",
    "1.2.3 ",
    "(๑) ",
    "ก. ",
    "- ",
    "• ",
    "องค์การบริหารส่วนตำบล",
    "อบต.",
    "เทศบาลตำบล",
    "ทต.",
    "อบจ.",
    "จังหวัด",
    "จ.",
    "อำเภอ",
    "“",
    "”",
    "\n",
    "\n\n",
    "\x0c",
]
thai_chunks = st.text(alphabet=THAI_LETTERS + THAI_MARKS + THAI_DIGITS + PUNCT, max_size=40)
thai_like_text = st.lists(
    st.one_of(st.sampled_from(HEADINGS), thai_chunks), min_size=1, max_size=60
).map("".join)


def _check_plan(result: Any) -> None:
    for s in result.sections:
        assert isinstance(s.title, str) and isinstance(s.text, str)
        if s.span is not None:
            assert 0 <= s.span[0] <= s.span[1]


def _outcome(fn: Any, *args: Any) -> Any:
    """Call ``fn``; a named error is an accepted outcome (counted in the statistics,
    ``pytest --hypothesis-show-statistics``), any other exception fails the test."""
    try:
        result = fn(*args)
    except PlanSearchError as exc:
        event(f"refused: {type(exc).__name__}")
        return None
    event("accepted")
    return result


def _parse(source: str | bytes) -> None:
    plan = _outcome(parse_plan, source)
    if plan is not None:
        _check_plan(plan)


# --------------------------------------------------------------------------- parse_plan


@fuzz_settings(60)
@given(st.binary(max_size=4096))
def test_parse_plan_on_arbitrary_bytes(raw: bytes) -> None:
    _parse(raw)


@fuzz_settings(40)
@given(
    thai_like_text,
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp874", "tis-620"]),
    st.binary(max_size=8),
    st.integers(min_value=0, max_value=10_000),
)
def test_parse_plan_on_thai_bytes_in_any_encoding(
    text: str, encoding: str, junk: bytes, at: int
) -> None:
    raw = text.encode(encoding, errors="ignore")
    at %= len(raw) + 1
    _parse(raw[:at] + junk + raw[at:])


@fuzz_settings(60)
@given(thai_like_text)
def test_parse_plan_on_thai_like_text(text: str) -> None:
    _parse(text)


@fuzz_settings(40)
@given(st.text(max_size=2000))
def test_parse_plan_on_any_unicode(text: str) -> None:
    _parse(text)


_mutation = st.tuples(
    st.sampled_from(["insert", "delete", "duplicate", "swap_lines", "replace"]),
    st.integers(min_value=0, max_value=1 << 30),
    st.integers(min_value=0, max_value=400),
    st.one_of(st.sampled_from(HEADINGS), thai_chunks, st.text(max_size=10)),
)


def _mutate(text: str, ops: list[tuple[str, int, int, str]]) -> str:
    for op, pos, length, insert in ops:
        pos %= len(text) + 1
        if op == "insert":
            text = text[:pos] + insert + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + length :]
        elif op == "duplicate":
            text = text[:pos] + text[pos : pos + length] * 2 + text[pos + length :]
        elif op == "replace":
            text = text[:pos] + insert + text[pos + len(insert) :]
        else:
            lines = text.split("\n")
            i, j = pos % len(lines), (pos + length) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@pytest.mark.skipif(not SEEDS, reason="corpus/raw seeds not present")
@fuzz_settings(40)
@given(
    st.integers(min_value=0, max_value=len(SEEDS) - 1 if SEEDS else 0),
    st.integers(min_value=0, max_value=1 << 30),
    st.integers(min_value=200, max_value=6000),
    st.lists(_mutation, max_size=12),
)
def test_parse_plan_on_mutated_seeds(
    seed: int, start: int, size: int, ops: list[tuple[str, int, int, str]]
) -> None:
    text = _seed_text(seed)
    start %= max(1, len(text) - size)
    _parse(_mutate(text[start : start + size], ops))


_SEED_CACHE: dict[int, str] = {}


def _seed_text(i: int) -> str:
    if i not in _SEED_CACHE:
        _SEED_CACHE[i] = SEEDS[i].read_text("utf-8")
    return _SEED_CACHE[i]


# --------------------------------------------------------------------------- references

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = ["format", "name", "title", "level", "source", "items", "root_type", "id", "text",
          "type", "keywords", "related", "children"]  # fmt: skip


def _valid_framework() -> dict[str, Any]:
    return {
        "format": 1,
        "name": "fuzz",
        "title": "ยุทธศาสตร์จังหวัด",
        "level": "province",
        "items": [
            {
                "id": "P1",
                "title": "การเกษตร",
                "keywords": ["ข้าว"],
                "related": ["P2"],
                "children": [{"id": "P1.1", "title": "ส่งเสริมอาชีพ", "text": "ปลูกผัก"}],
            },
            {"id": "P2", "title": "การท่องเที่ยว"},
        ],
    }


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = root
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return root


@fuzz_settings(60)
@given(st.data())
def test_reference_from_dict_with_a_field_replaced(data: st.DataObject) -> None:
    raw = _valid_framework()
    path = data.draw(st.sampled_from(_paths(raw)))
    value = data.draw(json_values | st.sampled_from(FIELDS))
    raw = _set(raw, path, value)
    if data.draw(st.booleans()) and isinstance(raw, dict):
        raw[data.draw(st.sampled_from(FIELDS))] = data.draw(json_values)
    _outcome(reference_from_dict, raw)


YAML_TOKENS = [
    "&a ", "*a", "[", "]", "{", "}", ": ", "- ", "\n  ", "\n", "!!binary ", "!!python/tuple ",
    "? ", "<<: *a", "9" * 5000, "1e999", ".nan", "~", "'", '"', "#", "\t", "\x00", "\ufeff",
    "ยุทธศาสตร์", ",", "\r\n", "---\n", "...\n", "%YAML 1.1\n", "|\n", ">\n", "\\u0000",
]  # fmt: skip


@pytest.fixture(scope="module")
def ref_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_refs")


@pytest.mark.skipif(not REF_SEEDS, reason="reference seed files not present")
@fuzz_settings(80)
@given(
    st.integers(min_value=0, max_value=max(0, len(REF_SEEDS) - 1)),
    st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "flip", "repeat"]),
            st.integers(min_value=0, max_value=1 << 30),
            st.integers(min_value=1, max_value=50),
            st.sampled_from(YAML_TOKENS),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["same", ".json", ".yaml", ".csv"]),
)
def test_load_reference_on_mutated_files(
    ref_dir: Path, seed: int, ops: list[tuple[str, int, int, str]], suffix: str
) -> None:
    src = REF_SEEDS[seed]
    raw = src.read_bytes()
    for op, pos, length, token in ops:
        pos %= len(raw) + 1
        if op == "insert":
            raw = raw[:pos] + token.encode() + raw[pos:]
        elif op == "delete":
            raw = raw[:pos] + raw[pos + length :]
        elif op == "flip":
            raw = raw[:pos] + bytes([(raw[pos] ^ length) if pos < len(raw) else 0]) + raw[pos + 1 :]
        else:
            raw = raw[:pos] + raw[pos : pos + length] * (length % 7 + 2) + raw[pos + length :]
    f = ref_dir / f"mutant{src.suffix if suffix == 'same' else suffix}"
    f.write_bytes(raw)
    _outcome(load_reference, f)


@fuzz_settings(60)
@given(st.data(), st.sampled_from([".json", ".yaml"]))
def test_load_reference_on_generated_documents(
    ref_dir: Path, data: st.DataObject, suffix: str
) -> None:
    raw = _valid_framework()
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(_paths(raw)))
        raw = _set(raw, path, data.draw(json_values))
    try:
        text = (
            json.dumps(raw, ensure_ascii=False)
            if suffix == ".json"
            else yaml.safe_dump(raw, allow_unicode=True)
        )
    except (ValueError, TypeError, yaml.YAMLError):  # not representable: nothing to load
        return
    f = ref_dir / f"generated{suffix}"
    f.write_text(text, encoding="utf-8")
    _outcome(load_reference, f)


HOLE = "HOLE-7f3a"
_depths = st.sampled_from([2, 50, 999, 1001, 5000, 100_000])
hostile_snippets = st.one_of(
    _depths.map(lambda d: "[" * d + "]" * d),
    _depths.map(lambda d: '{"a": ' * d + "1" + "}" * d),
    _depths.map(lambda d: "- " * min(d, 3000) + "x"),
    st.integers(min_value=1, max_value=9000).map(lambda n: "9" * n),
    st.sampled_from(
        [
            "&a [*a]", "&a {x: *a}", "&a [1, [2, *a]]", "*nope", "&a x", "!!binary aGVsbG8=",
            "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2024-01-01", "2024-01-01", "1e999",
            "-.inf", ".nan", "NaN", "-Infinity", "0x1F", "0o17", "1_000", "null", "true",
            '"\\ud800"', '"\\u0000"', "{? [a]: b}", "[a, b]", "{}", "[]", "''", '""',
        ]
    ),
)  # fmt: skip


@fuzz_settings(80)
@given(st.data(), st.sampled_from([".json", ".yaml"]), hostile_snippets)
def test_load_reference_with_hostile_snippets(
    ref_dir: Path, data: st.DataObject, suffix: str, snippet: str
) -> None:
    raw = _valid_framework()
    path = data.draw(st.sampled_from([p for p in _paths(raw) if p]))
    raw = _set(raw, path, HOLE)
    if suffix == ".json":
        text = json.dumps(raw, ensure_ascii=False).replace(f'"{HOLE}"', snippet)
    else:
        text = yaml.safe_dump(raw, allow_unicode=True, default_flow_style=True, width=1 << 20)
        text = text.replace(HOLE, snippet)
    f = ref_dir / f"snippet{suffix}"
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    _outcome(load_reference, f)


@fuzz_settings(60)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["id", "title", "text", "parent_id", "type", "keywords", "level"]),
                st.text(alphabet=THAI_LETTERS + 'P1.;,"\n\r\t ', max_size=12),
            ),
            max_size=7,
        ),
        max_size=12,
    )
)
def test_load_reference_on_generated_csv(ref_dir: Path, rows: list[list[tuple[str, str]]]) -> None:
    import csv
    import io

    header = ["id", "title", "text", "parent_id", "level"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        cells = dict(row)
        w.writerow([cells.get(h, "province" if h == "level" else "") for h in header])
    f = ref_dir / "generated.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    _outcome(load_reference, f)


# --------------------------------------------------------------------------- section JSONL


@fuzz_settings(60)
@given(st.lists(st.one_of(json_values.map(json.dumps), st.binary(max_size=40)), max_size=5))
def test_read_jsonl_on_arbitrary_lines(ref_dir: Path, lines: list[str | bytes]) -> None:
    f = ref_dir / "sections.jsonl"
    f.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines))
    _outcome(read_jsonl, f)
