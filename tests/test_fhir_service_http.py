"""The FHIR service over real HTTP on 127.0.0.1, driven by a FHIR client from PyPI (fhirclient,
whose R4 models parse every answer), through a tiny test-only WSGI wrapper around
spinekg.fhir.service.handle (the mount contract `spinekg serve` uses)."""
from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from spinekg.fhir.service import handle

CS = "https://w3id.org/spinekg/fhir/CodeSystem/spinekg"
VS = "https://w3id.org/spinekg/fhir/ValueSet/"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    status, out_headers, data = handle(environ["REQUEST_METHOD"], environ["PATH_INFO"],
                                       parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
                                       headers, body)
    start_response(f"{status} X", list(out_headers.items()) + [("Content-Length", str(len(data)))])
    return [data]


@pytest.fixture(scope="module")
def base_url():
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/fhir"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def fhir(base_url):
    from fhirclient import client

    smart = client.FHIRClient(settings={"app_id": "spinekg-tests", "api_base": base_url})
    smart.server.session.trust_env = False  # never a proxy: talk to 127.0.0.1 only
    return smart


def test_client_reads_the_capability_statement(fhir):
    fhir.prepare()  # GET metadata, parsed by fhirclient's R4 CapabilityStatement model
    cap = fhir.server.capabilityStatement
    assert cap.fhirVersion == "4.0.1"
    assert {r.type for r in cap.rest[0].resource} == {"CodeSystem", "ValueSet", "ConceptMap"}


def test_client_read_and_search(fhir):
    from fhirclient.models.codesystem import CodeSystem
    from fhirclient.models.valueset import ValueSet

    cs = CodeSystem.read("spinekg", fhir.server)
    assert cs.url == CS and len(cs.concept) == cs.count
    found = list(ValueSet.where(struct={"name": "SpinekgRegion"}).perform_resources_iter(fhir.server))
    assert sorted(v.id for v in found) == ["spinekg-region-cervical", "spinekg-region-lumbar",
                                           "spinekg-region-sacral", "spinekg-region-sacroiliac-joint",
                                           "spinekg-region-thoracic"]


def _parameters(fhir, path):
    from fhirclient.models.parameters import Parameters

    return Parameters(fhir.server.request_json(path))


def test_client_lookup_63304(fhir, catalog):
    p = _parameters(fhir, f"CodeSystem/$lookup?system={CS}&code=63304")
    by = {}
    for x in p.parameter:
        by.setdefault(x.name, []).append(x)
    assert by["display"][0].valueString == catalog.codes["63304"].label
    props = {(x.part[0].valueCode, x.part[1].valueCode or (x.part[1].valueCoding and x.part[1].valueCoding.code))
             for x in by["property"]}
    assert ("parent", "63300-63308") in props and ("region", "Cervical") in props


def test_client_validate_subsumes_expand_translate(fhir):
    from fhirclient.models.parameters import Parameters
    from fhirclient.models.valueset import ValueSet

    v = _parameters(fhir, f"CodeSystem/$validate-code?url={CS}&code=63999")
    assert v.parameter[0].valueBoolean is False and v.parameter[1].valueString.startswith("Unknown code '63999'")
    s = _parameters(fhir, f"CodeSystem/$subsumes?system={CS}&codeA=63300-63308&codeB=63304")
    assert s.parameter[0].valueCode == "subsumes"
    e = ValueSet(fhir.server.request_json(f"ValueSet/$expand?url={VS}spinekg-all&filter=corpectomy&count=5"))
    assert len(e.expansion.contains) == 5 and e.expansion.total > 5
    t = _parameters(fhir, f"ConceptMap/$translate?system={CS}&code=63304"
                          "&targetsystem=http://purl.bioontology.org/ontology/CPT")
    assert t.parameter[0].valueBoolean is True and t.parameter[1].part[1].valueCoding.code == "63304"
    body = Parameters({"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": VS + "spinekg-region-lumbar"},
        {"name": "coding", "valueCoding": {"system": CS, "code": "63307"}}]}).as_json()
    out = Parameters(fhir.server.post_json("ValueSet/$validate-code", body).json())
    assert out.parameter[0].valueBoolean is True


def test_errors_over_http(fhir, base_url):
    import requests
    from fhirclient.models.operationoutcome import OperationOutcome

    session = requests.Session()
    session.trust_env = False
    r = session.get(f"{base_url}/CodeSystem/$lookup", params={"system": CS, "code": "63999"}, timeout=10)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/fhir+json")
    assert OperationOutcome(r.json()).issue[0].code == "not-found"
    r = session.get(f"{base_url}/metadata", headers={"Accept": "application/fhir+xml"}, timeout=10)
    assert r.status_code == 200 and r.text.startswith("<?xml") and "<CapabilityStatement" in r.text
    r = session.put(f"{base_url}/CodeSystem/spinekg", data=json.dumps({"resourceType": "CodeSystem"}), timeout=10)
    assert r.status_code == 405
