"""Ranks with their uncertainty, tiers and the flags of 考评验收 (pure functions).

Separation test (used for ``tied_with``, ``distinguishable_from_next`` and 约谈): a lower-scoring unit L
is distinguishably below a higher-scoring unit U when a one-sided test at ``separation_level`` (5 %) finds
U - L > 0 for
  (a) the composite (MOVER: (U - L) - sqrt((U - U_low)^2 + (L_high - L)^2) > 0), or
  (b) the satisfaction rate (the same with the Wilson bounds: Newcombe's hybrid score interval; it holds
      in particular whenever L's satisfaction interval lies wholly below U's).
The displayed 95 % bounds are rescaled to the test's level (half-widths times z(0.95)/z(0.975) =
1.645/1.960). The two clauses are strongly correlated (the composite is mostly the satisfaction rate).
约谈 (interview) and "not eligible for 优秀": the bottom k ranked units (k = 1, then 2, … up to
``interview.max_units`` and never more than half of the ranked units) when every one of them is
distinguishably below every other ranked unit and trails them by at least ``interview.min_gap_points``.
Requiring every pair to pass is an intersection-union test, so no multiplicity correction is needed;
bench/scoring_calibration.py measures the resulting flag rates on simulated surveys.
整顿重点 (focus): the unit's share of the period's cases, or of its serious cases, reaches the threshold
(with a minimum count) — independent of the survey, so a well-liked unit can still be a focus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.evidence import Evidence, critical_answers, mismatched_answers, serious_first_cases
from pipelines.scoring.inputs import Answer, Case
from pipelines.scoring.stats import difference_lower_bound, z_value
from pipelines.scoring.units import UnitMeasures
from qingfeng.codes import AGENCY_ZH

INSUFFICIENT = "样本不足"


@dataclass(frozen=True)
class Reason:
    flag: str  # interview | focus | insufficient | not_separated | mismatch | note
    text: str
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict:
        return {"flag": self.flag, "text": self.text, "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class UnitRanking:
    measures: UnitMeasures
    rank: int | None
    tier: str
    tied_with: tuple[str, ...]
    distinguishable_from_next: bool | None
    interview: bool
    excellent_eligible: bool
    focus: bool
    reasons: tuple[Reason, ...]

    @property
    def unit(self) -> str:
        return self.measures.unit


def is_ranked(m: UnitMeasures, cfg: ScoringConfig) -> bool:
    return m.n >= cfg.min_respondents and m.composite is not None


def test_scale(cfg: ScoringConfig) -> float:
    """Factor from the displayed interval half-widths to the separation test's one-sided level."""
    return z_value(1 - 2 * cfg.separation_level) / z_value(cfg.confidence)


def separated(lower: UnitMeasures, upper: UnitMeasures, scale: float = 1.0) -> bool:
    """Is ``lower`` distinguishably below ``upper`` (see module doc)? ``scale`` = ``test_scale(cfg)``."""
    if lower.composite is None or upper.composite is None or lower.composite > upper.composite:
        return False
    by_composite = difference_lower_bound(upper.composite, upper.composite_low, lower.composite,
                                          lower.composite_high, scale) > 0
    by_satisfaction = (lower.satisfaction is not None and upper.satisfaction is not None
                       and difference_lower_bound(upper.satisfaction, upper.satisfaction_low, lower.satisfaction,
                                                  lower.satisfaction_high, scale) > 0)
    return by_composite or by_satisfaction


def _distinguishable(a: UnitMeasures, b: UnitMeasures, scale: float) -> bool:
    lower, upper = (a, b) if a.composite <= b.composite else (b, a)
    return separated(lower, upper, scale)


def bottom_group(ranked: Sequence[UnitMeasures], cfg: ScoringConfig) -> list[UnitMeasures]:
    """The bottom units that get 约谈 (best-first input); empty when none is distinguishably last."""
    if len(ranked) < 2:
        return []
    scale = test_scale(cfg)
    k_max = max(1, min(cfg.interview.max_units, (len(ranked) - 1) // 2))
    for k in range(1, k_max + 1):
        bottom, rest = ranked[-k:], ranked[:-k]
        gap = min(r.composite for r in rest) - max(b.composite for b in bottom)
        if gap >= cfg.interview.min_gap_points and all(separated(b, r, scale) for b in bottom for r in rest):
            return list(bottom)
    return []


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _interview_reason(m: UnitMeasures, rest: Sequence[UnitMeasures], answers: Sequence[Answer],
                      cases: Sequence[Case], cfg: ScoringConfig) -> Reason:
    best_other = min(rest, key=lambda r: r.composite_low)
    text = (f"综合得分 {m.composite:.1f}（95%区间 {m.composite_low:.1f}–{m.composite_high:.1f}），"
            f"企业满意率 {_pct(m.satisfaction)}（区间 {_pct(m.satisfaction_low)}–{_pct(m.satisfaction_high)}），"
            f"排名靠后且与其余各单位差异具有统计显著性（其余单位综合得分区间下限最低为 "
            f"{best_other.composite_low:.1f}），依方案对单位主要领导进行约谈，"
            f"本单位不得在绩效目标差异化考核中评为“优秀”等次。")
    n = cfg.evidence_per_flag
    evidence = critical_answers(answers, m.unit, n) + serious_first_cases(
        cases, m.unit, cfg.complaints.severity_weights, max(1, n // 2) if n else 0)
    return Reason("interview", text, tuple(evidence))


def _focus_reason(m: UnitMeasures, cfg: ScoringConfig, cases: Sequence[Case]) -> Reason | None:
    c, f = m.complaints, cfg.focus
    by_all = c.share is not None and c.cases >= f.min_cases and c.share >= f.complaint_share
    by_serious = (c.serious_share is not None and c.serious_cases >= f.min_serious_cases
                  and c.serious_share >= f.serious_share)
    if not (by_all or by_serious):
        return None
    parts = []
    if by_all:
        parts.append(f"本期涉及该单位的投诉 {c.cases} 件，占全区 {_pct(c.share)}（阈值 {_pct(f.complaint_share)}）")
    if by_serious:
        parts.append(f"其中以权谋利、徇私枉法等严重问题 {c.serious_cases} 件，占全区同类 {_pct(c.serious_share)}"
                     f"（阈值 {_pct(f.serious_share)}）")
    text = "；".join(parts) + "，企业群众反映强烈、问题集中，列为整顿重点。"
    evidence = serious_first_cases(cases, m.unit, cfg.complaints.severity_weights, cfg.evidence_per_flag)
    return Reason("focus", text, tuple(evidence))


def rank_units(measures: Sequence[UnitMeasures], answers: Sequence[Answer], cases: Sequence[Case],
               cfg: ScoringConfig) -> list[UnitRanking]:
    """Rank, tier and flag every unit; ranked units first (best first), then 样本不足 units."""
    ranked = sorted((m for m in measures if is_ranked(m, cfg)), key=lambda m: (-m.composite, m.unit))
    flagged = {m.unit for m in bottom_group(ranked, cfg)}
    scale = test_scale(cfg)
    out: list[UnitRanking] = []
    for i, m in enumerate(ranked):
        rank = 1 + sum(1 for r in ranked if r.composite > m.composite)
        tied = tuple(r.unit for r in ranked if r.unit != m.unit and not _distinguishable(m, r, scale))
        nxt = ranked[i + 1] if i + 1 < len(ranked) else None
        reasons: list[Reason] = []
        interview = m.unit in flagged
        if interview:
            reasons.append(_interview_reason(m, [r for r in ranked if r.unit not in flagged], answers, cases, cfg))
        elif nxt is None and len(ranked) > 1:
            peers = "、".join(AGENCY_ZH.get(u, u) for u in tied) or "其他单位"
            reasons.append(Reason("not_separated", f"综合得分排名末位，但与{peers}的差异不具统计显著性"
                                  f"（或差距小于 {cfg.interview.min_gap_points:g} 分），不作约谈认定。"))
        out.append(_ranking(m, rank, cfg.tier_for(m.composite), tied, None if nxt is None else separated(nxt, m, scale),
                            interview, reasons, answers, cases, cfg))
    for m in sorted((m for m in measures if not is_ranked(m, cfg)), key=lambda m: m.unit):
        reasons = [Reason("insufficient", f"有效问卷 {m.n} 份，少于最低要求 {cfg.min_respondents} 份，"
                          f"样本不足，不参与排名和约谈认定。")]
        out.append(_ranking(m, None, INSUFFICIENT, (), None, False, reasons, answers, cases, cfg))
    return out


def _ranking(m: UnitMeasures, rank: int | None, tier: str, tied: tuple[str, ...], next_ok: bool | None,
             interview: bool, reasons: list[Reason], answers: Sequence[Answer], cases: Sequence[Case],
             cfg: ScoringConfig) -> UnitRanking:
    focus = _focus_reason(m, cfg, cases)
    if focus:
        reasons.append(focus)
    if m.mismatches:
        reasons.append(Reason("mismatch", f"有 {m.mismatches} 份答卷的勾选结果与文字意见明显不一致，已标记待复核"
                              f"（满意率仍按勾选计算）。", tuple(mismatched_answers(answers, m.unit,
                                                                          cfg.evidence_per_flag))))
    reasons.extend(Reason("note", note) for note in m.notes)
    return UnitRanking(measures=m, rank=rank, tier=tier, tied_with=tied, distinguishable_from_next=next_ok,
                       interview=interview, excellent_eligible=not interview, focus=focus is not None,
                       reasons=tuple(reasons))
