"""Every `list` filter works on `export`, with the same meaning (OR within a filter, AND across)."""
import csv
import io

import pytest

CASES = [
    ("--access", "percutaneous"),
    ("--region", "lumbar,sacral"),
    ("--kind", "add-on"),
    ("--evidence", "confirmed"),
    ("--as-of", "2014"),
    ("--procedure", "corpectomy", "--region", "lumbar"),
]


def _codes(text: str) -> list[str]:
    return [row["code"] for row in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_export_csv_selects_what_list_lists(cli, args):
    listed = cli("list", *args, "--format", "csv")
    exported = cli("export", "csv", "-o", "-", *args)
    assert listed.exit_code == 0 and exported.exit_code == 0, (listed.output, exported.output)
    assert _codes(exported.stdout) == _codes(listed.stdout) and _codes(listed.stdout)


def test_list_and_export_share_one_header(cli):
    assert cli("list", "--format", "csv").stdout.splitlines()[0] == cli("export", "csv", "-o", "-").stdout.splitlines()[0]
