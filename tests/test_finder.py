"""The code finder: codes to report and how many times, derived from units and add-ons."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from spinekg.graph.finder import find, find_text


def test_lateral_extracavitary_lumbar_three_segments(catalog):
    d = find(catalog, procedure="corpectomy", region="lumbar", approach="lateral extracavitary", units=3)
    assert [s["text"] for s in d["solutions"]] == ["63102 × 1 + 63103 × 2"]
    why = " ".join(d["solutions"][0]["why"])
    assert "3 − 1 = 2" in why and "63103" in why


def test_counts_follow_the_data_not_a_table(catalog):
    """Change the primary's maximum in a copy of the catalog: the answer follows."""
    from spinekg.graph.model import Catalog

    codes = dict(catalog.codes)
    codes["63102"] = replace(codes["63102"], max_units=2)
    changed = Catalog(codes, catalog.facet_values, catalog.groups)
    d = find(changed, procedure="corpectomy", region="lumbar", approach="lateral extracavitary", units=3)
    assert [s["text"] for s in d["solutions"]] == ["63102 × 1 + 63103 × 1"]
    codes["63103"] = replace(codes["63103"], each_additional_unit=False, counting=None)
    d = find(Catalog(codes, catalog.facet_values, catalog.groups), procedure="corpectomy", region="lumbar",
             approach="lateral extracavitary", units=3)
    assert d["solutions"] == [] and d["nearest"]


def test_one_unit_is_the_primary_alone(catalog):
    d = find(catalog, procedure="corpectomy", region="lumbar", approach="lateral extracavitary", units=1)
    assert [s["text"] for s in d["solutions"]] == ["63102 × 1"]


def test_range_codes_pick_by_count(catalog):
    two = {s["text"] for s in find(catalog, procedure="laminectomy", region="cervical", approach="posterior",
                                   units=2)["solutions"]}
    three = {s["text"] for s in find(catalog, procedure="laminectomy", region="cervical", approach="posterior",
                                     units=3)["solutions"]}
    assert "63001 × 1" in two and "63015 × 1" not in two
    assert "63015 × 1" in three and "63001 × 1" not in three


def test_nothing_fits_lists_nearest_with_the_differing_facet(catalog):
    d = find(catalog, procedure="corpectomy", region="cervical", approach="lateral extracavitary", units=1)
    assert d["solutions"] == []
    near = {n["code"]: n["differs"] for n in d["nearest"]}
    assert "63101" in near or "63081" in near
    for code, diffs in near.items():
        assert len(diffs) >= 1
        for diff in diffs:
            rec = catalog[code]
            if diff["facet"] == "region":
                assert diff["wanted"] == ["cervical"] and diff["has"] == sorted(rec.regions)
    assert "no code fits" in find_text(d)


def test_unknown_value_is_an_error(catalog):
    from spinekg.graph.errors import SpinekgError

    with pytest.raises(SpinekgError, match="valid values"):
        find(catalog, procedure="corpectomy", region="lumbr")
    with pytest.raises(SpinekgError):
        find(catalog, units=3)


def test_cli_find(cli):
    r = cli("find", "--procedure", "corpectomy", "--region", "lumbar", "--approach", "lateral extracavitary", "--units", "3")
    assert r.exit_code == 0
    assert "63102 × 1 + 63103 × 2" in r.stdout and "why:" in r.stdout
    j = json.loads(cli("find", "--procedure", "corpectomy", "--region", "lumbar", "--approach", "lateral extracavitary",
                       "--units", "3", "--format", "json").stdout)
    assert j["solutions"][0]["report"] == [
        {"code": "63102", "times": 1, "label": j["solutions"][0]["report"][0]["label"]},
        {"code": "63103", "times": 2, "label": j["solutions"][0]["report"][1]["label"]}]
    none = cli("find", "--procedure", "corpectomy", "--region", "cervical", "--approach", "lateral extracavitary")
    assert none.exit_code == 1 and "nearest" in none.stdout
    bad = cli("find", "--region", "lumbr")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown region")


def test_per_unit_device_counts_every_interspace(catalog):
    """22853 is reported once per interspace, the first included: two interspaces are 22853 × 2, not × 1."""
    d = find(catalog, procedure="biomechanical device insertion", unit="interspace", units=2)
    assert [s["text"] for s in d["solutions"]] == ["22853 × 2"]
    assert "the first one included" in " ".join(d["solutions"][0]["why"])
    both = {s["text"] for s in find(catalog, procedure="biomechanical device insertion", units=2)["solutions"]}
    assert {"22853 × 2", "22854 × 2", "22859 × 2"} == both  # the deleted 22851 is not offered today


def test_per_unit_follows_the_data(catalog):
    from spinekg.graph.model import Catalog

    codes = dict(catalog.codes)
    codes["22853"] = replace(codes["22853"], counting="per-additional")
    d = find(Catalog(codes, catalog.facet_values, catalog.groups), procedure="biomechanical device insertion",
             unit="interspace", units=2)
    assert "22853 × 2" not in [s["text"] for s in d["solutions"]]


def test_find_as_of_a_year(catalog):
    d = find(catalog, procedure="biomechanical device insertion", units=2, as_of=2016)
    assert [s["text"] for s in d["solutions"]] == ["22851 × 2"]
    with pytest.raises(Exception, match="valid values"):
        find(catalog, procedure="biomechanical device insertion", unit="parsec", units=2)


# ---- the spine section (issue 17): ordinal add-ons, per-unit primaries, Category III twins


@pytest.mark.parametrize("levels,expected", [
    (1, "64493 × 1"), (2, "64493 × 1 + 64494 × 1"), (3, "64493 × 1 + 64494 × 1 + 64495 × 1"),
    (5, "64493 × 1 + 64494 × 1 + 64495 × 1"),
])
def test_lumbar_facet_injection_levels(catalog, levels, expected):
    d = find(catalog, procedure="facet joint injection", region="lumbar", units=levels)
    texts = [s["text"] for s in d["solutions"]]
    assert texts[0] == expected, texts  # Category I first, its ultrasound-guided Category III twin after
    assert texts[1] == expected.replace("64493", "0216T").replace("64494", "0217T").replace("64495", "0218T")


def test_ordinal_add_ons_follow_the_data(catalog):
    """Move 64495's first covered unit: the finder no longer reaches the third level through it."""
    from spinekg.graph.model import Catalog

    codes = dict(catalog.codes)
    codes["64495"] = replace(codes["64495"], first_covered_unit=4)
    d = find(Catalog(codes, catalog.facet_values, catalog.groups), procedure="facet joint injection",
             region="lumbar", units=3)
    assert not any("64493" in s["text"] for s in d["solutions"])


@pytest.mark.parametrize("request_,units,expected", [
    ({"procedure": "total disc arthroplasty", "region": "cervical"}, 2, "22856 × 1 + 22858 × 1"),
    ({"procedure": "total disc arthroplasty", "region": "lumbar"}, 2, "22857 × 1 + 22860 × 1"),
    ({"procedure": "interlaminar/interspinous stabilisation", "variant": None}, 2, "22867 × 1 + 22868 × 1"),
])
def test_second_level_add_ons_pair_with_their_primary(catalog, request_, units, expected):
    """22858, 22860, 22868 and 22870 cover the second level only (sk:firstCoveredUnit = lastCoveredUnit = 2)."""
    request_ = {k: v for k, v in request_.items() if v is not None}
    texts = [s["text"] for s in find(catalog, units=units, **request_)["solutions"]]
    assert texts[0] == expected, texts


def test_no_code_covers_a_third_arthroplasty_level(catalog):
    """Insertion has no add-on past the second level: three cervical levels are not offered as 22856 + 22858."""
    texts = [s["text"] for s in find(catalog, procedure="total disc arthroplasty", region="cervical", units=3)["solutions"]]
    assert texts and not any("22856" in t or "22858" in t for t in texts)


def test_each_additional_in_the_spine_section(catalog):
    assert [s["text"] for s in find(catalog, procedure="epidural injection", region="lumbar",
                                    approach="transforaminal", units=3)["solutions"]][0] == "64483 × 1 + 64484 × 2"
    assert [s["text"] for s in find(catalog, procedure="facet joint denervation", region="cervical",
                                    units=3)["solutions"]] == ["64633 × 1 + 64634 × 2"]
    d = find(catalog, procedure="basivertebral nerve ablation", units=4)
    assert [s["text"] for s in d["solutions"]] == ["64628 × 1 + 64629 × 2"]
    assert "2 vertebral bodies" in " ".join(d["solutions"][0]["why"])


def test_discography_is_reported_per_level(catalog):
    d = find(catalog, procedure="discography", region="lumbar", units=3)
    assert [s["text"] for s in d["solutions"]] == ["62290 × 3"]


def test_find_cli_takes_unit_and_as_of(cli):
    import json

    r = cli("find", "--procedure", "arthrodesis", "--region", "lumbar", "--approach", "anterior",
            "--units", "2", "--unit", "interspace", "--format", "json")
    assert r.exit_code == 0, r.output
    texts = [s["text"] for s in json.loads(r.stdout)["solutions"]]
    assert "22558 × 1 + 22585 × 1" in texts
    later = [c for c in json.loads(cli("list", "--format", "json").stdout) if (c.get("added_in") or 0) > 2010]
    old = json.loads(cli("find", "--procedure", "arthrodesis", "--region", "lumbar", "--units", "2",
                         "--as-of", "2010", "--format", "json").stdout)
    reported = {x["code"] for s in old["solutions"] for x in s["report"]}
    assert later and not reported & {c["code"] for c in later}
    bad = cli("find", "--procedure", "arthrodesis", "--unit", "furlong", "--units", "2")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_spine_section_facets_narrow_the_answer(catalog):
    """--imaging picks the ultrasound-guided Category III twins alone; device and device action name
    the pump code; every facet the records carry can describe an operation."""
    from spinekg.graph.finder import FACET_NAMES
    from spinekg.graph.model import FACETS
    from spinekg.graph.select import FILTER_KEYS

    covered = {key for f in FACET_NAMES for key in FILTER_KEYS[f]}
    assert covered >= set(FACETS) - {"variants", "indications"}  # technique variants stay the label's business
    d = find(catalog, procedure="facet joint injection", region="lumbar", imaging="ultrasound guidance", units=3)
    assert [s["text"] for s in d["solutions"]] == ["0216T × 1 + 0217T × 1 + 0218T × 1"]
    d = find(catalog, imaging="FluoroscopyOrCT", procedure="facet joint injection", region="lumbar", units=2)
    assert [s["text"] for s in d["solutions"]] == ["64493 × 1 + 64494 × 1"]
    pumps = {c for c, r in catalog.codes.items() if "programmable pump" in r.devices and "insertion" in r.device_actions
             and r.kind == "primary" and r.status == "active"}
    got = find(catalog, device="programmable pump", device_action="insertion")
    assert {s["report"][0]["code"] for s in got["solutions"]} == pumps and pumps
    d = find(catalog, procedure="facet joint injection", region="lumbar", agent="neurolytic agent")
    assert not d["solutions"] and d["nearest"]
    assert any(diff["facet"] == "agent" for n in d["nearest"] for diff in n["differs"])
    with pytest.raises(TypeError):
        find(catalog, colour="blue")


def test_find_cli_takes_the_spine_section_facets(cli):
    import json

    r = cli("find", "--procedure", "facet joint injection", "--region", "lumbar", "--imaging", "ultrasound guidance",
            "--units", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [s["text"] for s in json.loads(r.stdout)["solutions"]] == ["0216T × 1 + 0217T × 1 + 0218T × 1"]
    r = cli("find", "--device", "programmable pump", "--device-action", "removal")
    assert r.exit_code == 0 and "request: device programmable pump, device action removal" in r.stdout
    bad = cli("find", "--imaging", "x-ray")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown imaging 'x-ray'; valid values:")
