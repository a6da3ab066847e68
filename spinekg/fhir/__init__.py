"""FHIR R4 terminology service over the spinekg code system: mounted by `spinekg serve` at /fhir
through `spinekg.fhir.service.handle` (see that module for the mount contract)."""
