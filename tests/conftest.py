import os
import tempfile

import pytest

# Keep the user's real data and cache folders out of the tests (set before anything loads).
_TMP = tempfile.mkdtemp(prefix="spinekg-tests-")
os.environ["SPINEKG_HOME"] = os.path.join(_TMP, "home")
os.environ["SPINEKG_CACHE"] = os.path.join(_TMP, "cache")


@pytest.fixture(scope="session")
def graph():
    from spinekg.graph.load import load_graph

    return load_graph()


@pytest.fixture(scope="session")
def catalog():
    from spinekg.graph.model import load_catalog

    return load_catalog()


@pytest.fixture()
def cli():
    """Run the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from spinekg.cli import app

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    return run
