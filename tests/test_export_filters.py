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
    # the spine section's facets, as `find` and the explorer filter them
    ("--imaging", "fluoroscopy or CT", "--region", "lumbar"),
    ("--agent", "neurolytic agent"),
    ("--delivery", "single injection"),
    ("--device", "programmable pump"),
    ("--device-action", "removal"),
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


@pytest.mark.parametrize("flag,value,key", [("--imaging", "ultrasound guidance", "imaging"), ("--agent", "neurolytic agent", "agents"),
                                            ("--delivery", "single injection", "delivery"),
                                            ("--device", "programmable pump", "devices"),
                                            ("--device-action", "removal", "device_actions")])
def test_list_keeps_exactly_the_codes_with_the_value(cli, flag, value, key):
    from spinekg.graph.model import load_catalog

    listed = cli("list", flag, value, "--format", "csv")
    assert listed.exit_code == 0, listed.output
    expected = [c for c, rec in load_catalog().codes.items() if value in getattr(rec, key)]
    assert _codes(listed.stdout) == expected and 0 < len(expected) < 100


def test_an_unknown_value_of_a_new_filter_is_one_line(cli):
    r = cli("export", "csv", "-o", "-", "--device-action", "polishing")
    assert r.exit_code == 2 and "unknown device action 'polishing'" in r.output.replace("_", " ")
    assert "Traceback" not in r.output


def test_list_find_and_export_take_every_facet_filter(cli):
    from spinekg.graph.select import FILTER_KEYS
    from spinekg.options import FACET_FILTERS

    assert set(FACET_FILTERS) == set(FILTER_KEYS)
    for command in (("list",), ("find",), ("export",)):
        help_text = cli(*command, "--help").output
        for flag, _ in FACET_FILTERS.values():
            assert flag in help_text, (command, flag)
