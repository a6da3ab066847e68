"""The FHIR terminology service through the real `spinekg serve` (spinekg.server mounts
spinekg.fhir.service.handle at /fhir), driven by fhirclient over 127.0.0.1."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

CS = "https://w3id.org/spinekg/fhir/CodeSystem/spinekg"


@pytest.fixture(scope="module")
def server():
    from spinekg.server import close, start_in_thread

    srv, _ = start_in_thread(port=0, workers=1, timeout=10, max_rows=500)
    yield srv
    srv.shutdown()
    close(srv)


def _get(server, path, **query):
    url = f"{server.url}{path}?{urllib.parse.urlencode(query)}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers={"Accept": "application/fhir+json"}), timeout=30) as r:
            return r.status, r.headers["Content-Type"], json.load(r)
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], json.load(err)


def test_lookup_63304_through_serve(server, catalog):
    status, ctype, doc = _get(server, "/fhir/CodeSystem/$lookup", system=CS, code="63304")
    assert status == 200 and ctype.startswith("application/fhir+json")
    p = {x["name"]: x for x in doc["parameter"]}
    assert p["display"]["valueString"] == catalog.codes["63304"].label
    props = [x["part"] for x in doc["parameter"] if x["name"] == "property"]
    assert any(q[0]["valueCode"] == "parent" and q[1]["valueCode"] == "63300-63308" for q in props)
    assert any(q[0]["valueCode"] == "region" and q[1]["valueCoding"]["code"] == "Cervical" for q in props)


def test_fhir_client_through_serve(server):
    from fhirclient import client
    from fhirclient.models.parameters import Parameters
    from fhirclient.models.valueset import ValueSet

    smart = client.FHIRClient(settings={"app_id": "spinekg-tests", "api_base": server.url + "/fhir"})
    smart.server.session.trust_env = False
    smart.prepare()
    assert smart.server.capabilityStatement.fhirVersion == "4.0.1"
    e = ValueSet(smart.server.request_json(
        "ValueSet/$expand?url=https://w3id.org/spinekg/fhir/ValueSet/spinekg-all&filter=corpectomy&count=5"))
    assert len(e.expansion.contains) == 5 and e.expansion.total > 5
    s = Parameters(smart.server.request_json(f"CodeSystem/$subsumes?system={CS}&codeA=63300-63308&codeB=63304"))
    assert s.parameter[0].valueCode == "subsumes"
    t = Parameters(smart.server.request_json(f"ConceptMap/$translate?system={CS}&code=63304"))
    assert t.parameter[0].valueBoolean is True


def test_errors_through_serve(server):
    status, _, doc = _get(server, "/fhir/CodeSystem/$lookup", system=CS, code="63999")
    assert status == 404 and doc["issue"][0]["code"] == "not-found"
    status, _, doc = _get(server, "/fhir/CodeSystem/$validate-code", url="http://example.org/x", code="63304")
    assert status == 200 and doc["parameter"][0]["valueBoolean"] is False
