"""Validates a FHIR R4 Bundle with an independent implementation of the standard.

    python validate_bundle.py BUNDLE.json

The structure (every element's name, type, cardinality and primitive format, no unknown
elements) is checked by the R4 (4.0.1) models of PyPI fhir.resources 6.1.0. The models do not
check terminology bindings or the Bundle's own invariants, so this script adds those it can
check without a terminology server:

* the codes of elements with a *required* binding in R4 that the export writes are in their
  value sets;
* bdl-7: fullUrl is unique; every `urn:uuid:` reference resolves to an entry of the Bundle;
* an Observation's value is a Quantity with a UCUM code, or an integer.

Prints a JSON summary (resource counts) on success; exits 1 with the errors otherwise.
"""

import json
import sys

import fhir.resources
from fhir.resources.bundle import Bundle

# Required bindings of FHIR R4 (4.0.1) for the elements the export writes.
REQUIRED = {
    ("Bundle", "type"): {
        "document", "message", "transaction", "transaction-response", "batch",
        "batch-response", "history", "searchset", "collection",
    },
    ("Observation", "status"): {
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress", "completed", "amended", "entered-in-error", "stopped",
    },
    ("CarePlan", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("ServiceRequest", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("ServiceRequest", "intent"): {
        "proposal", "plan", "directive", "order", "original-order", "reflex-order",
        "filler-order", "instance-order", "option",
    },
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("DocumentReference", "docStatus"): {"preliminary", "final", "amended", "entered-in-error"},
}
CONTACT_SYSTEMS = {"phone", "fax", "email", "pager", "url", "sms", "other"}
UCUM = "http://unitsofmeasure.org"


def references(node, path=""):
    """Every `reference` string in a resource, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield path, value
            else:
                yield from references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from references(value, f"{path}[{i}]")


def check_quantity(q, where, errors):
    if q.get("system") != UCUM or not q.get("code"):
        errors.append(f"{where}: a Quantity without a UCUM code: {q}")


def extra_checks(data):
    errors = []
    if data.get("type") not in REQUIRED[("Bundle", "type")]:
        errors.append(f"Bundle.type {data.get('type')!r} is not a bundle-type code")
    entries = data.get("entry", [])
    full_urls = [e.get("fullUrl") for e in entries]
    if len(set(full_urls)) != len(full_urls):
        errors.append("bdl-7: fullUrl is not unique")
    known = set(full_urls)
    for i, entry in enumerate(entries):
        resource = entry["resource"]
        kind = resource["resourceType"]
        where = f"entry[{i}] {kind}/{resource.get('id')}"
        if not resource.get("id"):
            errors.append(f"{where}: no id")
        for (rtype, element), codes in REQUIRED.items():
            if rtype == kind and element in resource and resource[element] not in codes:
                errors.append(f"{where}: {element} {resource[element]!r} is not in its value set")
        for contact in resource.get("telecom", []):
            if contact.get("system") not in CONTACT_SYSTEMS:
                errors.append(f"{where}: telecom system {contact.get('system')!r}")
        for path, ref in references(resource):
            if ref.startswith("urn:uuid:") and ref not in known:
                errors.append(f"{where}{path}: reference {ref} resolves to no entry")
        if kind == "Observation":
            if "valueQuantity" in resource:
                check_quantity(resource["valueQuantity"], where, errors)
            elif "valueInteger" not in resource and "component" not in resource:
                errors.append(f"{where}: no value")
            for j, comp in enumerate(resource.get("component", [])):
                if "valueQuantity" in comp:
                    check_quantity(comp["valueQuantity"], f"{where}.component[{j}]", errors)
    return errors


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
    try:
        bundle = Bundle.parse_obj(data)
    except Exception as err:  # pydantic's ValidationError lists every problem
        print(f"invalid FHIR R4 Bundle:\n{err}", file=sys.stderr)
        return 1
    errors = extra_checks(data)
    if errors:
        print("invalid FHIR R4 Bundle:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    counts = {}
    for entry in bundle.entry or []:
        name = entry.resource.resource_type
        counts[name] = counts.get(name, 0) + 1
    print(json.dumps({"fhir_version": fhir.resources.__fhir_version__, "resources": counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
