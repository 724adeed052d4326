"""Keap's official OpenAPI documents, copied unchanged (see SOURCE.md), and their loader; their
known defects are listed in :mod:`keapsim.specs.defects`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
V1_DOCUMENT = HERE / "2025-11-05-v1.json"
# The older v2 document: keapsim.coverage shows which operations it also describes.
V2_DOCUMENT_2025 = HERE / "2025-11-05-v2.json"
V2_DOCUMENT = HERE / "swagger.yml"  # the newest official v2 document (Keap's SDK spec)


@cache
def load_v1() -> dict[str, Any]:
    return json.loads(V1_DOCUMENT.read_text(encoding="utf-8"))


@cache
def load_v2() -> dict[str, Any]:
    import yaml  # serving starts without it; the document loads on first use

    # 1.3 MB of YAML: the C loader takes well under a second, the pure-Python one several.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(V2_DOCUMENT.read_text(encoding="utf-8"), Loader=loader)


def load(version: str) -> dict[str, Any]:
    """The official document of ``version`` ("v1" or "v2"), parsed once and shared: callers
    that change it must copy it first. The one loader of the documents."""
    if version == "v1":
        return load_v1()
    if version == "v2":
        return load_v2()
    raise ValueError(f"unknown spec {version!r}; expected 'v1' or 'v2'")
