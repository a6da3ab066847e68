"""Text for terminals: control characters from imported data never reach the terminal raw."""
import json

import pytest

ESC_TEXT = "Made-up \x1b[31mred\x1b[0m wording\x07 with \x1b]0;title\x07 a bell"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    d = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(d))
    return d


def test_escape_sequences_in_a_descriptor_do_not_reach_the_terminal(cli, home, tmp_path):
    f = tmp_path / "esc.csv"
    f.write_text(f'code,descriptor\n63304,"{ESC_TEXT}"\n', encoding="utf-8")
    r = cli("import", "descriptors", str(f))
    assert r.exit_code == 0, r.output
    for args in (("show", "63304"), ("list", "--region", "cervical")):
        out = cli(*args).stdout
        assert "red" in out and "wording" in out, args
        assert not any(ch in out for ch in "\x1b\x07\x9b"), args
    # machines still get the stored text unchanged
    assert json.loads(cli("show", "63304", "-f", "json").stdout)["descriptor"] == ESC_TEXT
