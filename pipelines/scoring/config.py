"""The scoring policy (data/scoring.yaml) as a validated, frozen object."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qingfeng.codes import CATEGORY_CODES


class ScoringConfigError(ValueError):
    """The scoring YAML is missing a value or holds an impossible one."""


@dataclass(frozen=True)
class Weights:
    satisfaction: float = 0.5
    sentiment: float = 0.2
    complaints: float = 0.2
    peer: float = 0.1

    def as_dict(self) -> dict[str, float]:
        return {"satisfaction": self.satisfaction, "sentiment": self.sentiment,
                "complaints": self.complaints, "peer": self.peer}


@dataclass(frozen=True)
class ComplaintPolicy:
    severity_weights: dict[str, float] = field(default_factory=lambda: {
        "low_efficiency": 1.0, "formalism": 1.0, "low_competence": 1.0, "inaction_misconduct": 1.5,
        "abuse_for_profit": 3.0, "perverting_justice": 3.0})
    half_score_pressure: float = 10.0
    half_score_pressure_per_1000: float = 5.0


@dataclass(frozen=True)
class InterviewPolicy:
    max_units: int = 2
    min_gap_points: float = 5.0


@dataclass(frozen=True)
class FocusPolicy:
    complaint_share: float = 0.35
    min_cases: int = 5
    serious_share: float = 0.40
    min_serious_cases: int = 2


@dataclass(frozen=True)
class ScoringConfig:
    weights: Weights = field(default_factory=Weights)
    satisfied_min_score: int = 4
    min_respondents: int = 10
    min_texts_for_sentiment: int = 5
    confidence: float = 0.95
    separation_level: float = 0.05
    bootstrap_samples: int = 2000
    seed: int = 20181101
    mismatch_confidence: float = 0.8
    evidence_per_flag: int = 3
    tiers: tuple[tuple[str, float], ...] = (("好", 85.0), ("较好", 75.0), ("一般", 60.0), ("差", 0.0))
    complaints: ComplaintPolicy = field(default_factory=ComplaintPolicy)
    peer_scale: tuple[float, float] = (0.0, 100.0)
    interview: InterviewPolicy = field(default_factory=InterviewPolicy)
    focus: FocusPolicy = field(default_factory=FocusPolicy)

    def __post_init__(self) -> None:
        _validate(self)

    def tier_for(self, composite: float) -> str:
        for name, minimum in self.tiers:
            if composite >= minimum:
                return name
        return self.tiers[-1][0]


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ScoringConfigError(f"评分配置无效 (invalid scoring config): {message}")


def _validate(cfg: ScoringConfig) -> None:
    w = cfg.weights.as_dict()
    _check(all(v >= 0 and math.isfinite(v) for v in w.values()), f"weights must be >= 0: {w}")
    _check(sum(w.values()) > 0, "weights must not all be 0")
    _check(1 <= cfg.satisfied_min_score <= 5, "satisfied_min_score must be in 1..5")
    _check(cfg.min_respondents >= 1, "min_respondents must be >= 1")
    _check(cfg.min_texts_for_sentiment >= 1, "min_texts_for_sentiment must be >= 1")
    _check(0.5 < cfg.confidence < 1, "confidence must be in (0.5, 1)")
    _check(0 < cfg.separation_level < 0.5, "separation_level must be in (0, 0.5)")
    _check(cfg.bootstrap_samples >= 100, "bootstrap_samples must be >= 100")
    _check(0 <= cfg.mismatch_confidence <= 1, "mismatch_confidence must be in [0, 1]")
    _check(cfg.evidence_per_flag >= 0, "evidence_per_flag must be >= 0")
    _check(len(cfg.tiers) >= 1, "at least one tier")
    mins = [m for _, m in cfg.tiers]
    _check(mins == sorted(mins, reverse=True), f"tier thresholds must be descending: {mins}")
    sev = cfg.complaints.severity_weights
    _check(set(sev) == set(CATEGORY_CODES), f"severity_weights needs exactly the six categories, got {sorted(sev)}")
    _check(all(v >= 0 for v in sev.values()), "severity weights must be >= 0")
    _check(cfg.complaints.half_score_pressure > 0 and cfg.complaints.half_score_pressure_per_1000 > 0,
           "half_score_pressure values must be > 0")
    _check(cfg.peer_scale[1] > cfg.peer_scale[0], "peer scale_max must exceed scale_min")
    _check(cfg.interview.max_units >= 1 and cfg.interview.min_gap_points >= 0, "interview policy")
    f = cfg.focus
    _check(0 < f.complaint_share <= 1 and 0 < f.serious_share <= 1, "focus shares must be in (0, 1]")
    _check(f.min_cases >= 1 and f.min_serious_cases >= 1, "focus minimum counts must be >= 1")


def _section(doc: dict, key: str) -> dict:
    value = doc.get(key) or {}
    _check(isinstance(value, dict), f"'{key}' must be a mapping")
    return value


def config_from_dict(doc: dict[str, Any]) -> ScoringConfig:
    """Build the policy from the parsed YAML; unknown keys are an error (a typo must not pass silently)."""
    known = {"version", "weights", "satisfied_min_score", "min_respondents", "min_texts_for_sentiment",
             "confidence", "separation_level", "bootstrap_samples", "seed", "mismatch_confidence",
             "evidence_per_flag", "tiers",
             "complaints", "peer", "interview", "focus"}
    unknown = set(doc) - known
    _check(not unknown, f"unknown keys {sorted(unknown)}")
    try:
        tiers = tuple((str(t["name"]), float(t["min"])) for t in doc.get("tiers", [])) or ScoringConfig().tiers
        complaints = _section(doc, "complaints")
        peer = _section(doc, "peer")
        scalars = {k: doc[k] for k in ("satisfied_min_score", "min_respondents", "min_texts_for_sentiment",
                                       "bootstrap_samples", "seed", "evidence_per_flag") if k in doc}
        floats = {k: float(doc[k]) for k in ("confidence", "separation_level", "mismatch_confidence") if k in doc}
        return ScoringConfig(
            weights=Weights(**{k: float(v) for k, v in _section(doc, "weights").items()}),
            tiers=tiers,
            complaints=ComplaintPolicy(
                severity_weights={k: float(v) for k, v in complaints.get(
                    "severity_weights", ComplaintPolicy().severity_weights).items()},
                **{k: float(complaints[k]) for k in ("half_score_pressure", "half_score_pressure_per_1000")
                   if k in complaints}),
            peer_scale=(float(peer.get("scale_min", 0)), float(peer.get("scale_max", 100))),
            interview=InterviewPolicy(**_section(doc, "interview")),
            focus=FocusPolicy(**_section(doc, "focus")),
            **{k: int(v) for k, v in scalars.items()},
            **floats,
        )
    except (TypeError, KeyError, ValueError) as exc:
        if isinstance(exc, ScoringConfigError):
            raise
        raise ScoringConfigError(f"评分配置无效 (invalid scoring config): {exc}") from exc


def load_scoring_config(path: Path) -> ScoringConfig:
    import yaml

    if not path.is_file():
        raise ScoringConfigError(f"找不到评分配置文件 (scoring config not found): {path}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    _check(isinstance(doc, dict), f"{path} must hold a mapping")
    return config_from_dict(doc)
