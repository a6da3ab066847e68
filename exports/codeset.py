"""Which year of the CPT code set the curated facts describe (the FHIR CodeSystem and the OMOP
vocabulary both say so).

The facts were checked against public pages in 2026, so they describe the 2026 code set: codes
valid in 2026 are active, deleted codes are kept with their status. A catalog that carries its
own `code_set_year` (read from the data, once the data states it) wins over this default.
"""
from __future__ import annotations

CODE_SET_YEAR = 2026


def code_set_year(catalog) -> int:
    year = getattr(catalog, "code_set_year", None)
    return int(year) if year else CODE_SET_YEAR
