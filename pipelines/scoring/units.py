"""Per-unit measures and the composite score (pure functions; the formula is in the README).

composite = 100 * sum(w_i * c_i) / sum(w_i) over the components c_i in [0, 1] that a unit has:
  satisfaction  share satisfied (tick 满意/基本满意; no tick: score >= satisfied_min_score), Wilson interval
  sentiment     (index + 1) / 2, index = mean of +1/0/-1 over analysed open answers, bootstrap interval
  complaints    half / (half + pressure), pressure = severity-weighted cases (per 1000 handled cases when
                the unit's case volume is given); a census, so no sampling interval
  peer          上下互评 score mapped from [scale_min, scale_max] to [0, 1]; no interval
The composite interval combines the component bounds linearly (low = same formula over the lows, high
over the highs): exact for the fixed components and conservative for the two survey components, which
come from the same respondents and are positively correlated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipelines.scoring.config import ScoringConfig
from pipelines.scoring.inputs import Answer, Case
from pipelines.scoring.stats import bootstrap_mean_interval, stable_seed, wilson_interval


class ScoringInputError(ValueError):
    pass


@dataclass(frozen=True)
class Component:
    name: str  # satisfaction | sentiment | complaints | peer
    weight: float
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class ComplaintStats:
    cases: int
    serious_cases: int
    weighted: float
    pressure: float
    share: float | None  # of all in-scope cases in the period
    serious_share: float | None
    per_volume: bool


@dataclass(frozen=True)
class UnitMeasures:
    unit: str
    n: int
    satisfied: int
    satisfaction: float | None
    satisfaction_low: float | None
    satisfaction_high: float | None
    texts: int
    sentiment_index: float | None
    sentiment_low: float | None
    sentiment_high: float | None
    sentiment_counts: dict[str, int]
    aspect_counts: dict[str, int]
    mismatches: int
    complaints: ComplaintStats
    peer: float | None  # 0..1
    item_means: dict[str, float]  # mean 1..5 of 总体满意度 (score) and 效率/态度/公正/廉洁; shown, not weighted
    components: tuple[Component, ...]
    composite: float | None
    composite_low: float | None
    composite_high: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def complaint_stats(unit: str, cases: Sequence[Case], cfg: ScoringConfig,
                    volume: float | None) -> ComplaintStats:
    """Counts, shares and pressure of the in-scope cases (those with a category) naming ``unit``."""
    sev = cfg.complaints.severity_weights
    in_scope = [c for c in cases if c.categories and c.units]
    mine = [c for c in in_scope if unit in c.units]
    serious_all = sum(1 for c in in_scope if c.serious)
    serious_mine = sum(1 for c in mine if c.serious)
    weighted = sum(c.weight(sev) for c in mine)
    pressure = weighted / volume * 1000 if volume else weighted
    return ComplaintStats(
        cases=len(mine), serious_cases=serious_mine, weighted=weighted, pressure=pressure,
        share=len(mine) / len(in_scope) if in_scope else None,
        serious_share=serious_mine / serious_all if serious_all else None,
        per_volume=bool(volume),
    )


def complaint_component(stats: ComplaintStats, cfg: ScoringConfig) -> float:
    half = cfg.complaints.half_score_pressure_per_1000 if stats.per_volume else cfg.complaints.half_score_pressure
    return half / (half + stats.pressure)


def peer_component(raw: float, cfg: ScoringConfig) -> float:
    low, high = cfg.peer_scale
    if not low <= raw <= high:
        raise ScoringInputError(f"互评分数 {raw} 超出量程 [{low}, {high}] (peer score out of scale)")
    return (raw - low) / (high - low)


def combine(components: Sequence[Component]) -> tuple[float, float, float] | None:
    """(composite, low, high) on 0..100 with the weights re-normalised over the given components."""
    used = [c for c in components if c.weight > 0]
    total = sum(c.weight for c in used)
    if not used or total <= 0:
        return None
    return tuple(100 * sum(c.weight * getattr(c, part) for c in used) / total  # type: ignore[return-value]
                 for part in ("value", "low", "high"))


ITEMS = ("score", "efficiency", "attitude", "fairness", "integrity")


def item_means(answers: Sequence[Answer]) -> dict[str, float]:
    """Mean of each Likert item over the answers that rated it (for the report; not in the composite)."""
    out = {}
    for item in ITEMS:
        values = [a.score if item == "score" else a.items.get(item) for a in answers]
        values = [v for v in values if v is not None]
        if values:
            out[item] = sum(values) / len(values)
    return out


def measure_unit(unit: str, answers: Sequence[Answer], cases: Sequence[Case], cfg: ScoringConfig, *,
                 peer_raw: float | None = None, volume: float | None = None,
                 complaints_known: bool = True, peer_known: bool = False) -> UnitMeasures:
    """All measures of one unit. ``complaints_known``: the period holds stored complaints at all;
    ``peer_known``: a 互评 file was given for this scoring."""
    notes: list[str] = []
    w = cfg.weights
    mine = [a for a in answers if a.unit == unit]
    ticks = [s for s in (a.satisfied(cfg.satisfied_min_score) for a in mine) if s is not None]
    n, k = len(ticks), sum(ticks)
    components: list[Component] = []
    sat = sat_low = sat_high = None
    if n:
        sat = k / n
        sat_low, sat_high = wilson_interval(k, n, cfg.confidence)
        components.append(Component("satisfaction", w.satisfaction, sat, sat_low, sat_high))

    polar = [a.polarity for a in mine if a.polarity is not None]
    index = index_low = index_high = None
    if len(polar) >= cfg.min_texts_for_sentiment:
        index = sum(polar) / len(polar)
        index_low, index_high = bootstrap_mean_interval(
            polar, samples=cfg.bootstrap_samples, confidence=cfg.confidence, seed=stable_seed(cfg.seed, unit))
        components.append(Component("sentiment", w.sentiment, (index + 1) / 2, (index_low + 1) / 2,
                                    (index_high + 1) / 2))
    elif mine:
        notes.append(f"开放式意见仅 {len(polar)} 条（少于 {cfg.min_texts_for_sentiment} 条），情感指数未计入综合得分")

    stats = complaint_stats(unit, cases, cfg, volume)
    if complaints_known:
        value = complaint_component(stats, cfg)
        components.append(Component("complaints", w.complaints, value, value, value))
    peer = None
    if peer_raw is not None:
        peer = peer_component(peer_raw, cfg)
        components.append(Component("peer", w.peer, peer, peer, peer))
    elif peer_known and w.peer > 0:
        notes.append("缺少上下互评分数，互评权重按比例分配给其他分项")

    combined = combine(components) if n else None
    return UnitMeasures(
        unit=unit, n=n, satisfied=k, satisfaction=sat, satisfaction_low=sat_low, satisfaction_high=sat_high,
        texts=len(polar), sentiment_index=index, sentiment_low=index_low, sentiment_high=index_high,
        sentiment_counts=dict(Counter(a.sentiment for a in mine if a.sentiment)),
        aspect_counts=dict(Counter(asp for a in mine for asp in a.aspects)),
        mismatches=sum(1 for a in mine if a.mismatch), complaints=stats, peer=peer, item_means=item_means(mine),
        components=tuple(components),
        composite=combined[0] if combined else None,
        composite_low=combined[1] if combined else None,
        composite_high=combined[2] if combined else None,
        notes=tuple(notes),
    )


def measure_units(units: Sequence[str], answers: Sequence[Answer], cases: Sequence[Case], cfg: ScoringConfig,
                  *, peer: Mapping[str, float] | None = None,
                  volume: Mapping[str, float] | None = None) -> list[UnitMeasures]:
    """Measures of every unit; the complaint component is dropped for all when the period has no
    in-scope complaint at all (complaints not loaded is not the same as a spotless record)."""
    volume = dict(volume or {})
    if volume:
        missing = sorted({u for c in cases if c.categories for u in c.units if u in units} - set(volume))
        if missing:
            raise ScoringInputError(f"办案量文件缺少以下单位 (case volume missing for units): {', '.join(missing)}")
        bad = sorted(u for u, v in volume.items() if not v or v <= 0)
        if bad:
            raise ScoringInputError(f"办案量必须大于 0 (case volume must be > 0): {', '.join(bad)}")
    complaints_known = any(c.categories and c.units for c in cases)
    peer = dict(peer or {})
    out = [measure_unit(u, answers, cases, cfg, peer_raw=peer.get(u), volume=volume.get(u),
                        complaints_known=complaints_known, peer_known=bool(peer)) for u in units]
    if not complaints_known:
        note = "本期没有已入库的投诉数据，投诉压力分项未计入综合得分"
        out = [_with_note(m, note) for m in out]
    return out


def _with_note(m: UnitMeasures, note: str) -> UnitMeasures:
    from dataclasses import replace

    return replace(m, notes=(*m.notes, note))
