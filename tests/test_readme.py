"""The README's Python examples run as written: every ```pycon block is a doctest."""
import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```pycon\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3


def test_readme_python_blocks(tmp_path, monkeypatch):
    """The blocks run in order in one namespace, as a reader typing them into one session would."""
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    runner.run(parser.get_doctest("\n".join(BLOCKS), {}, "README pycon blocks", str(README), 0), out=out.append)
    assert runner.failures == 0, "".join(out)


def test_public_names_stay_importable():
    import spinekg

    for name in spinekg.__all__:
        assert getattr(spinekg, name) is not None, name
    assert callable(spinekg.graph)
