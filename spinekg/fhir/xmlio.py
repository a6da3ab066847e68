"""FHIR XML from and to the service's JSON-shaped dicts.

Writing follows the FHIR XML rules: the root element is the resource type in the FHIR namespace,
primitives are `value` attributes, arrays repeat the element, a contained resource sits inside an
element named by its type, an extension's `url` is an attribute, and the narrative `div` is XHTML
inline. Element order is the dict's order: the service builds every resource in the order the R4
definitions give (a test compares the output with fhir.resources' own XML).

Reading is for request bodies (Parameters, a ValueSet): DTDs and entities are refused.
"""
from __future__ import annotations

from xml.etree import ElementTree as ET

from spinekg.fhir.outcome import invalid
from spinekg.graph.textsafe import xml_text

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# elements that are arrays in the resources the service reads
LISTS = {"parameter", "part", "include", "exclude", "filter", "concept", "coding", "contains", "designation",
         "property", "group", "element", "target", "entry", "valueSet", "issue", "extension"}


def _attr(text: str) -> str:
    text = xml_text(text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _primitive(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _div(html: str) -> str:
    try:
        ET.fromstring(html)
        return html
    except ET.ParseError:  # not well-formed: carry it as escaped text rather than break the document
        return f'<div xmlns="{XHTML_NS}">{_attr(html)}</div>'


def _element(name: str, value, out: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _element(name, item, out)
    elif isinstance(value, dict):
        if "resourceType" in value:  # a resource inside Bundle.entry.resource, Parameters.parameter.resource
            out.append(f"<{name}>")
            _resource(value, out, root=False)
            out.append(f"</{name}>")
            return
        attrs = f' url="{_attr(value["url"])}"' if name in ("extension", "modifierExtension") else ""
        out.append(f"<{name}{attrs}>")
        for k, v in value.items():
            if not (attrs and k == "url"):
                _element(k, v, out)
        out.append(f"</{name}>")
    elif name == "div":
        out.append(_div(value))
    else:
        out.append(f'<{name} value="{_attr(_primitive(value))}"/>')


def _resource(doc: dict, out: list[str], root: bool) -> None:
    kind = doc["resourceType"]
    out.append(f'<{kind} xmlns="{FHIR_NS}">')
    for k, v in doc.items():
        if k != "resourceType":
            _element(k, v, out)
    out.append(f"</{kind}>")


def to_xml(doc: dict) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _resource(doc, out, root=True)
    return "".join(out).encode("utf-8")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read(elem) -> dict | str:
    children = list(elem)
    if not children and "value" in elem.attrib:
        return elem.attrib["value"]
    out: dict = {}
    for k, v in elem.attrib.items():
        if k in ("url", "id"):
            out[k] = v
    for child in children:
        name = _local(child.tag)
        if name == "resource":
            inner = list(child)
            if len(inner) != 1:
                raise invalid("a resource element must hold exactly one resource")
            value = _read_resource(inner[0])
        elif name == "div":
            value = ET.tostring(child, encoding="unicode")
        else:
            value = _read(child)
        if name in LISTS:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _read_resource(elem) -> dict:
    if not elem.tag.startswith("{" + FHIR_NS + "}"):
        raise invalid(f"expected a FHIR resource in namespace {FHIR_NS}, got {elem.tag!r}")
    doc = _read(elem)
    return {"resourceType": _local(elem.tag), **(doc if isinstance(doc, dict) else {})}


def from_xml(body: bytes) -> dict:
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise invalid("XML with a DTD or entities is not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise invalid(f"the request body is not well-formed XML: {exc}") from None
    return _read_resource(root)
