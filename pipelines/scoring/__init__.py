"""Unit scoring of 考评验收: pure functions of survey answers and complaint cases (no I/O, no database).

``score_units`` is the whole computation; ``pipelines.unit_scoring`` loads its inputs from storage and
stores its output; the formula and its policy numbers are documented in ``units``/``ranking`` and
data/scoring.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.inputs import Answer, Case
from pipelines.scoring.ranking import UnitRanking, rank_units
from pipelines.scoring.units import measure_units


def score_units(units: Sequence[str], answers: Sequence[Answer], cases: Sequence[Case], cfg: ScoringConfig, *,
                peer: Mapping[str, float] | None = None,
                volume: Mapping[str, float] | None = None) -> list[UnitRanking]:
    """Measures, ranks, tiers and flags of ``units`` (ranked best first, then 样本不足 units)."""
    measures = measure_units(units, answers, cases, cfg, peer=peer, volume=volume)
    return rank_units(measures, answers, cases, cfg)


__all__ = ["Answer", "Case", "ScoringConfig", "UnitRanking", "score_units"]
