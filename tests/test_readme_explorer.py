"""The README's examples for the explorer, search and relation commands run as written."""
import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
SECTIONS = ("### `spinekg explore", "### `spinekg search", "### How codes are related")


def examples():
    text = README.read_text(encoding="utf-8")
    out = []
    for heading in SECTIONS:
        start = text.index(heading)
        end = text.find("\n### ", start + 1)
        section = text[start:end if end > 0 else None]
        for block in re.findall(r"```console\n(.*?)```", section, re.S):
            current = None
            for line in block.splitlines():
                if line.startswith("$ "):
                    current = [line[2:], []]
                    out.append(current)
                elif current is not None:
                    current[1].append(line)
    for ex in out:
        while ex[1] and not ex[1][-1].strip():
            ex[1].pop()
    return [pytest.param(cmd, lines, id=cmd[:60]) for cmd, lines in out]


def matches(expected: list[str], got: list[str]) -> bool:
    """Line by line; '…' skips any lines; a size in KiB may differ."""
    def same(e, g):
        return re.fullmatch(re.sub(r"\d+\\ KiB", r"\\d+\\ KiB", re.escape(e)), g) is not None

    i = 0
    for k, e in enumerate(expected):
        if e == "\u2026":
            rest = expected[k + 1:]
            return any(matches(rest, got[j:]) for j in range(i, len(got) + 1))
        if i >= len(got) or not same(e, got[i]):
            return False
        i += 1
    return i == len(got)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("cmd, expected", examples())
def test_readme_example(cli, workdir, monkeypatch, cmd, expected):
    args = shlex.split(cmd)
    assert args[0] == "spinekg"
    monkeypatch.chdir(workdir)
    r = cli(*args[1:])
    got = (r.stdout + r.stderr).rstrip("\n").splitlines()
    assert matches(expected, got), "\n".join(got)


def test_matcher_can_fail():
    assert matches(["wrote x (900 KiB)"], ["wrote x (912 KiB)"])
    assert not matches(["wrote x (900 KiB)"], ["wrote y (900 KiB)"])
    assert matches(["a", "\u2026", "z"], ["a", "b", "c", "z"]) and not matches(["a", "\u2026", "z"], ["a", "b"])
    assert not matches(["a"], ["a", "extra"])
