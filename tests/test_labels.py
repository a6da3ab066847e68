from spinekg.graph.labels import LabelFacts, compose_label, join_or, units_phrase


def test_issue_example_shape():
    label = compose_label(LabelFacts(
        procedures=("corpectomy", "lesion excision"), regions=("cervical",), approaches=("anterior",),
        lesion_compartments=("intradural",), unit="vertebral segment", min_units=1, max_units=1))
    assert label == ("Corpectomy for excision of intraspinal lesion — intradural — cervical — "
                     "anterior approach — 1 vertebral segment")


def test_head_procedure_and_companions():
    label = compose_label(LabelFacts(procedures=("foraminotomy", "decompression", "laminectomy", "facetectomy"),
                                     regions=("lumbar",)))
    assert label.startswith("Laminectomy with facetectomy and foraminotomy for decompression — lumbar")


def test_nature_named_in_head_when_excised():
    label = compose_label(LabelFacts(procedures=("laminectomy", "biopsy", "lesion excision"),
                                     lesion_natures=("neoplasm",), lesion_compartments=("extradural",)))
    assert label == "Laminectomy for biopsy/excision of neoplasm — extradural"


def test_nature_as_own_part_when_not_excised():
    label = compose_label(LabelFacts(procedures=("laminectomy", "cyst drainage"),
                                     lesion_compartments=("intramedullary",), lesion_natures=("cyst or syrinx",)))
    assert label == "Laminectomy with cyst drainage — intramedullary — cyst or syrinx"


def test_regions_in_craniocaudal_order_and_junction():
    assert "cervical, thoracic or lumbar" in compose_label(
        LabelFacts(procedures=("myelotomy",), regions=("lumbar", "cervical", "thoracic")))
    junction = compose_label(LabelFacts(procedures=("laminectomy",), regions=("lumbar", "thoracic"),
                                        variants=("thoracolumbar",)))
    assert junction == "Laminectomy — thoracolumbar"


def test_units_phrases():
    assert units_phrase("vertebral segment", 1, 2, False) == "1–2 vertebral segments"
    assert units_phrase("vertebral segment", 3, None, False) == "3 or more vertebral segments"
    assert units_phrase("interspace", 1, 1, False) == "1 interspace"
    assert units_phrase("interspace", None, None, True) == "each additional interspace"
    assert units_phrase(None, 1, 1, False) is None


def test_facts_change_labels():
    base = LabelFacts(procedures=("corpectomy", "decompression"), regions=("thoracic",), approaches=("transthoracic",))
    other = LabelFacts(procedures=("corpectomy", "decompression"), regions=("thoracic",), approaches=("thoracolumbar",))
    assert compose_label(base) != compose_label(other)


def test_join_or():
    assert join_or(["a"]) == "a"
    assert join_or(["a", "b", "c"]) == "a, b or c"


def test_per_unit_counting_never_says_additional():
    assert units_phrase("interspace", None, None, "per-unit") == "each interspace"
    assert units_phrase("interspace", None, None, "per-additional") == "each additional interspace"
    label = compose_label(LabelFacts(procedures=("biomechanical device insertion",), unit="interspace",
                                     counting="per-unit"))
    assert label.endswith("— each interspace") and "additional" not in label


def test_second_level_is_not_also_counted():
    """22868's old label said "second level — … — 1 level": the ordinal variant already names the unit."""
    facts = dict(procedures=("interlaminar/interspinous stabilisation",), regions=("lumbar",),
                 variants=("second level",), unit="level", min_units=1, max_units=1)
    label = compose_label(LabelFacts(**facts))
    assert "second level" in label and "1 level" not in label
    assert compose_label(LabelFacts(**{**facts, "variants": ()})).endswith("1 level")
