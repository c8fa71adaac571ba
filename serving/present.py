"""Pure conversions from the triage contract (``classifiers.results.TriageResult`` or a stored row) to the
API's public shapes, with Chinese names beside the codes."""

from __future__ import annotations

from typing import Any

from qingfeng.codes import AGENCY_ZH, CATEGORY_ZH


def triage_view(result: Any) -> dict[str, Any]:
    """``result``: a ``TriageResult`` (``as_dict``) or a mapping with the same fields."""
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    data["review_reasons"] = list(getattr(result, "review_reasons", None) or data.get("review_reasons") or [])
    data["categories_zh"] = [CATEGORY_ZH.get(c, c) for c in data["categories"]]
    data["agencies_zh"] = [AGENCY_ZH.get(a, a) for a in data["agencies"]]
    return data


def stored_triage_view(row: Any) -> dict[str, Any]:
    """A ``qingfeng.storage.tables.TriageResult`` row in the public shape."""
    return triage_view({
        "categories": list(row.categories or []),
        "category_scores": dict(row.category_scores or {}),
        "agencies": list(row.agencies or []),
        "agency_scores": dict(row.agency_scores or {}),
        "sub_units": list(row.sub_units or []),
        "handler": row.handler,
        "needs_review": bool(row.needs_review),
        "evidence": list(row.evidence or []),
        "model_version": row.model_version,
    })
