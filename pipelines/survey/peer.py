"""The 上下互评 file: ``unit,score`` rows (header optional) → unit code → score (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from pipelines.survey.parse import SurveyRejection, _cell
from pipelines.survey.unit_names import UnitNames


def parse_peer(rows: Iterable[Sequence[Any]], names: UnitNames, scale: tuple[float, float],
               source_file: str | None = None) -> tuple[dict[str, float], list[SurveyRejection]]:
    """A 上下互评 CSV ``unit,score`` (header optional) → unit code → score on ``scale``."""
    scores: dict[str, float] = {}
    rejections: list[SurveyRejection] = []
    for number, row in enumerate(rows, start=1):
        cells = [_cell(c) for c in row]
        if not any(cells):
            continue
        raw = json.dumps({"row": cells}, ensure_ascii=False)
        unit = names.resolve(cells[0]) if cells else None
        try:
            value = float(cells[1]) if len(cells) > 1 else float("nan")
        except ValueError:
            value = float("nan")
        if number == 1 and unit is None and value != value:  # a header line
            continue
        problem = None
        if unit is None:
            problem = f"单位“{cells[0] if cells else ''}”无法识别"
        elif not scale[0] <= value <= scale[1]:
            problem = f"分数“{cells[1] if len(cells) > 1 else ''}”不在 {scale[0]:g}–{scale[1]:g} 之间"
        elif unit in scores:
            problem = f"单位 {unit} 重复"
        if problem:
            rejections.append(SurveyRejection("bad_peer_row", f"第 {number} 行：{problem}", raw, None,
                                              source_file, number))
        else:
            scores[unit] = value
    return scores, rejections
