"""Thai marks PDFium gives out of place are put back on the letter they are drawn on.

Character boxes (x0, y0, x1, y1 in points) are those PDFium reported for LibreOffice's
PDF export of seed 000 (``tests/doc_fixtures.py``), cut to the words concerned."""

from __future__ import annotations

from plansearch.parse.readers.pdf_text import place_marks


def _text(boxes: list[tuple[str, float, float, float, float]]) -> str:
    return "".join(b[0] for b in place_marks(boxes))


def test_tone_mark_moved_to_the_line_end_goes_back_over_its_vowel() -> None:
    # "รวมทั้งส่งเสริม": the ้ of ทั้ง comes after the last letter of the line
    boxes = [
        ("ท", 441.4, 470.4, 447.3, 477.0),
        ("ั", 444.3, 478.0, 449.0, 480.6),
        ("ง", 448.6, 470.4, 452.2, 477.0),
        ("ส", 453.5, 470.3, 458.8, 477.5),
        ("ม", 460.0, 470.3, 465.4, 477.0),
        ("้", 445.8, 481.6, 449.6, 484.2),
    ]
    assert _text(boxes) == "ทั้งสม"


def test_marks_swapped_between_two_words_each_go_home() -> None:
    # "ทั้งในระยะสั้น": PDFium gives the ้ of ทั้ง after สั, and that of สั้น later
    boxes = [
        ("ท", 181.5, 179.9, 187.4, 186.5),
        ("ั", 184.6, 187.5, 189.2, 190.1),
        ("ง", 188.8, 179.9, 192.4, 186.5),
        ("ส", 227.9, 179.8, 233.2, 187.0),
        ("ั", 230.0, 187.5, 234.7, 190.1),
        ("้", 185.9, 191.1, 189.7, 193.7),
        ("น", 234.2, 179.8, 240.3, 186.5),
        ("ก", 369.4, 179.9, 374.3, 186.5),
        ("้", 231.3, 191.1, 235.1, 193.7),
        ("ำ", 372.6, 179.9, 379.6, 190.1),
    ]
    assert _text(boxes) == "ทั้งสั้นกำ"


def test_tone_after_the_next_consonant_moves_onto_the_upper_vowel() -> None:
    # "ดีขึ้น": the ้ drawn over ึ comes after น
    boxes = [
        ("ข", 266.8, 255.1, 271.9, 261.8),
        ("ึ", 267.1, 262.7, 272.4, 265.8),
        ("น", 273.1, 255.1, 279.2, 261.8),
        ("้", 270.2, 266.4, 274.0, 269.0),
    ]
    assert _text(boxes) == "ขึ้น"


def test_vowel_and_tone_of_one_letter_come_back_in_spelling_order() -> None:
    # "รู้": the glyph under ร is labelled ้ and the one over it ู, given at the line end
    boxes = [
        ("ร", 204.9, 596.5, 209.2, 603.3),
        ("้", 205.2, 592.6, 208.7, 595.8),
        ("ใ", 209.1, 596.5, 213.5, 607.5),
        ("ม", 507.9, 596.5, 513.3, 603.2),
        ("ี", 508.6, 604.1, 513.4, 607.3),
        (" ", 519.1, 596.6, 519.1, 596.6),
        ("ู", 205.9, 604.5, 210.1, 607.4),
    ]
    assert _text(boxes) == "รู้ใมี "


def test_marks_in_place_are_not_touched() -> None:
    # "ส่งเสริม" and "เกี่ยวข้อง" as PDFium gives them
    boxes = [
        ("ส", 98.5, 470.3, 103.8, 477.5),
        ("่", 102.9, 478.3, 103.5, 480.7),
        ("ง", 104.7, 470.4, 108.3, 477.0),
        ("เ", 300.4, 179.8, 302.6, 186.4),
        ("ก", 303.5, 179.9, 308.3, 186.5),
        ("ี", 303.6, 187.4, 308.5, 190.6),
        ("่", 307.8, 191.2, 308.3, 193.0),
        ("ย", 310.0, 179.8, 314.6, 186.5),
        ("ข", 321.2, 179.8, 326.3, 186.5),
        ("้", 323.4, 187.8, 327.6, 190.7),
        ("อ", 327.7, 179.8, 332.7, 186.5),
    ]
    assert place_marks(boxes) == boxes


def test_a_mark_over_a_letter_that_has_one_stays_put() -> None:
    # no second tone mark is ever given to a letter
    boxes = [
        ("ก", 10.0, 0.0, 15.0, 7.0),
        ("่", 13.0, 8.0, 14.0, 10.0),
        ("ข", 20.0, 0.0, 25.0, 7.0),
        ("้", 11.0, 11.0, 15.0, 13.0),
    ]
    assert _text(boxes) == "ก่ข้"
