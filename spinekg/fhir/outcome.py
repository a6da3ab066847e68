"""Errors as FHIR OperationOutcomes: one exception type carries the HTTP status and issue code."""
from __future__ import annotations


class FhirError(Exception):
    """A request the service answers with an OperationOutcome (never a traceback)."""

    def __init__(self, status: int, code: str, message: str, severity: str = "error"):
        super().__init__(message)
        self.status, self.code, self.message, self.severity = status, code, message, severity


def operation_outcome(code: str, message: str, severity: str = "error") -> dict:
    return {"resourceType": "OperationOutcome",
            "text": {"status": "generated",
                     "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>' + _escape(message) + "</p></div>"},
            "issue": [{"severity": severity, "code": code, "diagnostics": message}]}


def _escape(text: str) -> str:
    from html import escape

    from spinekg.graph.textsafe import xml_text

    return escape(xml_text(text), quote=False)


def invalid(message: str) -> FhirError:
    return FhirError(400, "invalid", message)


def required(name: str, what: str = "") -> FhirError:
    return FhirError(400, "required", f"parameter '{name}' is required{what}")


def not_found(message: str) -> FhirError:
    return FhirError(404, "not-found", message)
