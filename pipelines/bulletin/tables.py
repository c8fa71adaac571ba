"""The unit table (units.csv / units.xlsx / units.json): one row per unit, units by agency code."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from pipelines.scoring.ranking import UnitRanking
from pipelines.scoring.units import ITEMS
from qingfeng.codes import AGENCY_ZH

COLUMNS = (
    "unit", "unit_zh", "n", "satisfaction", "satisfaction_low", "satisfaction_high",
    "sentiment_index", "sentiment_low", "sentiment_high", "texts", "complaint_pressure", "cases", "serious_cases",
    "peer", "composite", "composite_low", "composite_high", "rank", "tier", "tied_with",
    "distinguishable_from_next", "interview", "excellent_eligible", "focus", "mismatches",
    "score_mean", "efficiency_mean", "attitude_mean", "fairness_mean", "integrity_mean", "reasons",
)


def _num(x: float | None, digits: int) -> float | None:
    return None if x is None else round(float(x), digits)


def _bool(x: bool | None) -> str:
    return "" if x is None else ("true" if x else "false")


def unit_row(r: UnitRanking) -> dict[str, object]:
    """A unit's row; booleans as ``true``/``false``, missing values as None (empty cell)."""
    m = r.measures
    return {
        "unit": m.unit, "unit_zh": AGENCY_ZH.get(m.unit, m.unit), "n": m.n,
        "satisfaction": _num(m.satisfaction, 4), "satisfaction_low": _num(m.satisfaction_low, 4),
        "satisfaction_high": _num(m.satisfaction_high, 4),
        "sentiment_index": _num(m.sentiment_index, 4), "sentiment_low": _num(m.sentiment_low, 4),
        "sentiment_high": _num(m.sentiment_high, 4), "texts": m.texts,
        "complaint_pressure": _num(m.complaints.pressure, 3), "cases": m.complaints.cases,
        "serious_cases": m.complaints.serious_cases, "peer": _num(m.peer, 4),
        "composite": _num(m.composite, 2), "composite_low": _num(m.composite_low, 2),
        "composite_high": _num(m.composite_high, 2), "rank": r.rank, "tier": r.tier,
        "tied_with": ";".join(r.tied_with), "distinguishable_from_next": _bool(r.distinguishable_from_next),
        "interview": _bool(r.interview), "excellent_eligible": _bool(r.excellent_eligible), "focus": _bool(r.focus),
        "mismatches": m.mismatches,
        **{f"{item}_mean": _num(m.item_means.get(item), 2) for item in ITEMS},
        "reasons": "；".join(x.text for x in r.reasons),
    }


def write_csv(rankings: Sequence[UnitRanking], path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens Chinese correctly
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rankings:
            writer.writerow({k: ("" if v is None else v) for k, v in unit_row(r).items()})
    return path


def write_xlsx(rankings: Sequence[UnitRanking], path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "units"
    sheet.append(list(COLUMNS))
    for r in rankings:
        sheet.append([unit_row(r)[k] for k in COLUMNS])
    sheet.freeze_panes = "B2"
    book.save(path)
    return path


def write_json(rankings: Sequence[UnitRanking], path: Path, meta: dict) -> Path:
    """Everything, with each flag's reasons and evidence (for review before publication)."""
    doc = {**meta, "units": [{**unit_row(r), "reasons": [x.as_dict() for x in r.reasons],
                              "tied_with": list(r.tied_with)} for r in rankings]}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
