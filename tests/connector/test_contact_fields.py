"""The connector's copy of the contact model matches Keap's official documents."""

from __future__ import annotations

import json
from pathlib import Path

import keapsim
from connector.config import ApiVersion
from connector.contact_fields import CONTACT_PROPERTIES

SPECS = Path(keapsim.__file__).parent / "specs"


def properties(document: str, schema: str) -> set[str]:
    data = json.loads((SPECS / document).read_text())
    schemas = data.get("definitions") or data["components"]["schemas"]
    return set(schemas[schema]["properties"])


def test_v2_contact_fields_are_the_documents():
    assert CONTACT_PROPERTIES[ApiVersion.V2] == properties(
        "2025-11-05-v2.json", "CreateUpdateContactRequest"
    )


def test_v1_contact_fields_are_the_documents():
    assert CONTACT_PROPERTIES[ApiVersion.V1] == properties(
        "2025-11-05-v1.json", "CreateOrPatchContact"
    )
