"""Who wrote a plan: the local organisation's canonical name and its province.

Thai plans name their organisation in many ways (``อบต.โขมง``,
``องค์การบริหารส่วนตำบลโขมง``, the frequent misspelling ``องค์การบริการส่วนตำบล…``)
and Thai has no spaces between words, so the name often runs straight into the next
word (``องค์การบริหารส่วนตำบลจอมทองมีพันธกิจ``). We collect every mention, prefer
names that end at a space or punctuation, and fall back to the common prefix of the
glued mentions, then to PyThaiNLP word segmentation of a single glued mention.

>>> detect_org("ของ อบต.โขมง ให้ได้เกณฑ์ และ องค์การบริหารส่วนตำบลโขมง มีหน้าที่")
'องค์การบริหารส่วนตำบลโขมง'
>>> detect_province("องค์การบริหารส่วนตำบลหนองฮาง อำเภอม่วงสามสิบ จังหวัดอุบลราชธานี")
'อุบลราชธานี'
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from functools import lru_cache

#: (pattern, canonical prefix, tier). Tier 0 = the local organisations a plan belongs
#: to (preferred), tier 1 = provincial administrations that plans also quote.
ORG_TYPES: tuple[tuple[str, str, int], ...] = (
    (r"องค์(?:การ|กร)\s*บริ(?:หาร|การ)\s*ส่วน\s*ตำบล", "องค์การบริหารส่วนตำบล", 0),
    (r"อ\.?\s?บ\.?\s?ต\.", "องค์การบริหารส่วนตำบล", 0),
    (r"อบต\s", "องค์การบริหารส่วนตำบล", 0),
    (r"เทศบาล\s*ตำบล", "เทศบาลตำบล", 0),
    (r"ทต\.", "เทศบาลตำบล", 0),
    (r"เทศบาล\s*เมือง", "เทศบาลเมือง", 0),
    (r"ทม\.", "เทศบาลเมือง", 0),
    (r"เทศบาล\s*นคร", "เทศบาลนคร", 0),
    (r"ทน\.", "เทศบาลนคร", 0),
    (r"องค์(?:การ|กร)\s*บริ(?:หาร|การ)\s*ส่วน\s*จังหวัด", "องค์การบริหารส่วนจังหวัด", 1),
    (r"อบจ\.", "องค์การบริหารส่วนจังหวัด", 1),
)
_ORG_RE = re.compile("|".join(f"(?P<t{i}>{p})" for i, (p, _, _) in enumerate(ORG_TYPES)))
#: Longest place name a mention can carry (Thai letters). Real names are far shorter;
#: the bound keeps detection linear when a text is one long run of Thai letters
#: (without it every mention would copy the rest of the text).
MAX_NAME_CHARS = 48
_NAME = re.compile(rf"[\u0e01-\u0e4e]{{1,{MAX_NAME_CHARS}}}")
#: Words that cannot start or be part of a place name; a glued mention is cut there.
_NAME_STOP = frozenset(
    {
        "ได้",
        "มี",
        "เป็น",
        "ที่",
        "ซึ่ง",
        "ให้",
        "และ",
        "ของ",
        "ใน",
        "โดย",
        "จะ",
        "ได้รับ",
        "กำหนด",
        "ยึด",
        "มุ่ง",
        "เพื่อ",
        "ต้อง",
        "คือ",
        "นั้น",
        "นี้",
        "ทุก",
        "ได้กำหนด",
        "อำเภอ",
        "จังหวัด",
        "ตำบล",
        "ประกอบด้วย",
        "ดำเนินการ",
        "ประจำ",
        "หมู่",
        "ร่วม",
    }
)
#: Generic words that follow an org type without being a name ("อบต. ทุกแห่ง").
_NOT_NAMES = frozenset({"ทุกแห่ง", "ต่างๆ", "ต่าง", "อื่น", "อื่นๆ", "แห่ง", "นั้น", "นี้"})


def _cut_glued(run: str) -> str:
    """Cut a name glued to the following words using PyThaiNLP segmentation."""
    from pythainlp.tokenize import word_tokenize

    out = ""
    for tok in word_tokenize(run, engine="newmm", keep_whitespace=False):
        if out and tok in _NAME_STOP:
            break
        out += tok
    return out


def _candidates(text: str, tier_max: int) -> dict[tuple[str, str], list[tuple[str, bool]]]:
    found: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for m in _ORG_RE.finditer(text):
        idx = int(m.lastgroup[1:])  # type: ignore[index]
        _, canonical, tier = ORG_TYPES[idx]
        if tier > tier_max:
            continue
        nm = _NAME.match(text, m.end())
        if nm is None:
            # "อบต. โขมง": allow one space after an abbreviation
            if text[m.end() : m.end() + 1] == " " and canonical and m.group(0).endswith("."):
                nm = _NAME.match(text, m.end() + 1)
            if nm is None:
                continue
        name = nm.group(0)
        clean_end = nm.end() >= len(text) or not ("\u0e01" <= text[nm.end()] <= "\u0e4e")
        if name in _NOT_NAMES or len(name) < 2:
            continue
        found.setdefault((canonical, str(tier)), []).append((name, clean_end))
    return found


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]


def _best_name(mentions: list[tuple[str, bool]]) -> tuple[str, int]:
    clean = Counter(n for n, ok in mentions if ok)
    in_order = [n for n, ok in mentions if not ok]
    glued = sorted(in_order)
    if clean:
        # a clean mention that is a prefix of glued ones is better supported;
        # glued names with prefix n form one run of the sorted list (no n × m scan)
        def support(n: str) -> tuple[int, int]:
            prefixed = bisect_right(glued, n + "\U0010ffff") - bisect_left(glued, n)
            return clean[n] + prefixed, -len(n)

        best = max(clean, key=support)
        return best, support(best)[0]
    if len(glued) >= 2:
        prefix = _common_prefix(glued)
        if len(prefix) >= 2:
            return prefix, len(glued)
    return _cut_glued(in_order[0]), len(glued)


def detect_org(text: str) -> str | None:
    """Canonical full name of the organisation that wrote ``text`` (or ``None``).

    The most often mentioned local organisation (อบต./เทศบาล) wins; a provincial
    administration (อบจ.) is returned only when no local one is named.
    """
    for tier_max in (0, 1):
        found = _candidates(text, tier_max)
        if not found:
            continue
        scored: Counter[str] = Counter()
        for (canonical, _), mentions in found.items():
            name, support = _best_name(mentions)
            if name:
                scored[canonical + name] += support
        # merge the same name written with different types? keep the most supported
        if scored:
            return max(scored.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]
    return None


@lru_cache(maxsize=1)
def _provinces() -> tuple[str, ...]:
    from pythainlp.corpus import provinces

    names = {str(n) for n in provinces()}
    names.add("กรุงเทพมหานคร")
    return tuple(sorted(names, key=len, reverse=True))


def _edit_distance_le1(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    if len(a) > len(b):
        a, b = b, a
    for i in range(len(b)):
        if b[:i] + b[i + 1 :] == a:
            return True
    return False


def match_province(word_run: str) -> str | None:
    """The province name at the start of ``word_run`` (allowing one typo in names of
    six letters or more, e.g. ``พษณุโลก`` → ``พิษณุโลก``)."""
    return _match_province(word_run[:24])


@lru_cache(maxsize=4096)
def _match_province(word_run: str) -> str | None:
    names = _provinces()
    for name in names:
        if word_run.startswith(name):
            return name
    for name in names:
        if len(name) >= 6:
            for cut in (len(name) - 1, len(name), len(name) + 1):
                if _edit_distance_le1(word_run[:cut], name):
                    return name
    return None


_PROVINCE_RE = re.compile(rf"(?:จังหวัด|จ\.)\s*([\u0e01-\u0e4e]{{2,{MAX_NAME_CHARS}}})")


def detect_province(text: str, org: str | None = None) -> str | None:
    """The province the text says the plan's organisation is in (``จังหวัดX``/``จ.X``).

    A province named right after the organisation (``…ตำบลหนองฮาง อำเภอ… จังหวัด…``)
    counts three times; otherwise the most often named province wins.
    """
    votes: Counter[str] = Counter()
    org_ends: list[int] = []
    if org:
        name = org
        for prefix in ("องค์การบริหารส่วนตำบล", "เทศบาลตำบล", "เทศบาลเมือง", "เทศบาลนคร"):
            if org.startswith(prefix):
                name = org[len(prefix) :]
        if name:
            org_ends = [m.end() for m in re.finditer(re.escape(name), text)]
    for m in _PROVINCE_RE.finditer(text):
        prov = match_province(m.group(1))
        if prov is None:
            continue
        weight = 1
        i = bisect_right(org_ends, m.start()) - 1  # the nearest org mention before it
        if i >= 0 and m.start() - org_ends[i] <= 80:
            weight = 3
        votes[prov] += weight
    if not votes:
        return None
    return max(votes.items(), key=lambda kv: kv[1])[0]


_ORG_PREFIX = re.compile(
    r"^\s*(?:" + "|".join(f"(?P<t{i}>{p})" for i, (p, _, _) in enumerate(ORG_TYPES)) + ")"
)


def canonical_org(name: str) -> str:
    """The canonical spelling of an organisation name given in any common form.

    Used so that a filter or exclusion written ``อบต.โขมง`` matches sections whose
    plan says ``องค์การบริหารส่วนตำบลโขมง`` (and the reverse).

    >>> canonical_org("อบต. โขมง")
    'องค์การบริหารส่วนตำบลโขมง'
    >>> canonical_org("เทศบาลตำบล บ้านอ้อน")
    'เทศบาลตำบลบ้านอ้อน'
    """
    text = " ".join(str(name).split())
    m = _ORG_PREFIX.match(text + " ")
    if not m or m.lastgroup is None:
        return text
    prefix = ORG_TYPES[int(m.lastgroup[1:])][1]
    rest = (text + " ")[m.end() :].strip().replace(" ", "")
    return prefix + rest if rest else text
