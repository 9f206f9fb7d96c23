"""The command line in Thai first, English alongside (issue 21): help and tables."""

from __future__ import annotations

import re

import pytest

from plansearch.cli import main

THAI = re.compile(r"[\u0E00-\u0E7F]")


def test_serve_help_is_thai_first(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "เปิดระบบตรวจความเชื่อมโยงแผน" in out
    # every option's help starts in Thai (argparse wraps the text, so read per option)
    options = re.split(r"\n  (?=-)", out.split("options:", 1)[1])[1:]
    assert len(options) >= 7
    for text in options:
        if text.startswith("-h"):
            continue
        help_text = re.split(r"\s{2,}", text.strip(), maxsplit=1)[-1]
        assert THAI.match(help_text.strip()), text


@pytest.mark.parametrize("command", ["ingest", "index", "search", "similar", "serve"])
def test_command_summaries_are_thai_first(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith(command + " "))
    assert THAI.search(line.split(command, 1)[1].strip()[:1] or "x"), line
