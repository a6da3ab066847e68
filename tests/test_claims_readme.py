"""The README's `check claim` / NCCI examples run as written (source parentheticals compared loosely:
the evidence level and source URL of a code may be added to them)."""
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def examples():
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- claims-examples -->")[1].split("<!-- /claims-examples -->")[0]
    cases, current = [], None
    for line in block.splitlines():
        if line.startswith("$ spinekg "):
            current = (shlex.split(line[len("$ spinekg "):]), [])
            cases.append(current)
        elif current is not None and line and not line.startswith("```"):
            current[1].append(line)
    return cases


def loose(line: str) -> str:
    return re.sub(r" \(source: .*\)\.( Fix:|$)", r"\1", line)


def test_readme_claim_examples(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    cases = examples()
    assert len(cases) >= 8
    for args, expected in cases:
        args = [str(ROOT / a) if a.startswith("tests/") else a for a in args]
        r = cli(*args)
        assert r.exit_code in (0, 1), (args, r.output)
        got = [loose(x) for x in (r.stdout + r.stderr).splitlines()]
        assert got[:len(expected)] == [loose(x) for x in expected], args
    assert (tmp_path / "findings.csv").exists()
