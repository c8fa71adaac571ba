"""What scoring reads: survey answers and complaint cases, as plain values (no database objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from qingfeng.codes import SERIOUS_CATEGORIES

SATISFIED_CHOICES = frozenset({"满意", "基本满意"})
CHOICES = ("满意", "基本满意", "不满意")


@dataclass(frozen=True)
class Answer:
    """One survey answer about one unit. ``text`` is already PII-redacted."""

    id: str
    unit: str
    score: int | None = None  # 总体满意度 1..5
    choice: str | None = None  # 满意 / 基本满意 / 不满意
    text: str = ""
    sentiment: str | None = None  # positive / neutral / negative, None when no text or not analysed
    sentiment_scores: dict[str, float] = field(default_factory=dict)
    aspects: tuple[str, ...] = ()
    mismatch: bool = False
    items: dict[str, int] = field(default_factory=dict)  # 效率/态度/公正/廉洁 as efficiency/attitude/…, 1..5

    def satisfied(self, min_score: int) -> bool | None:
        """The tick decides (满意/基本满意 = satisfied); without a tick, a score >= ``min_score``."""
        if self.choice in CHOICES:
            return self.choice in SATISFIED_CHOICES
        if self.score is not None:
            return self.score >= min_score
        return None

    @property
    def polarity(self) -> int | None:
        return {"positive": 1, "neutral": 0, "negative": -1}.get(self.sentiment or "")


@dataclass(frozen=True)
class Case:
    """A grievance in the period (near-duplicate complaints merged), with the units it accuses."""

    id: str
    units: tuple[str, ...]
    categories: tuple[str, ...]
    text: str  # redacted text of its most serious complaint
    received_at: datetime
    confirmed: bool = False  # categories/agencies confirmed or corrected by a person

    @property
    def serious(self) -> bool:
        return bool(SERIOUS_CATEGORIES.intersection(self.categories))

    def weight(self, severity_weights: dict[str, float]) -> float:
        """A case weighs its most serious category; a case with no category (out of scope) weighs 0."""
        return max((severity_weights.get(c, 0.0) for c in self.categories), default=0.0)


def is_mismatch(*, score: int | None, choice: str | None, sentiment: str | None,
                sentiment_scores: dict[str, float], min_confidence: float) -> bool:
    """A tick that the open answer contradicts: satisfied (score >= 4 or 满意) with confidently negative
    text, or dissatisfied (score <= 2 or 不满意) with confidently positive text."""
    if sentiment not in ("positive", "negative"):
        return False
    confidence = float(sentiment_scores.get(sentiment, 0.0))
    if confidence < min_confidence:
        return False
    ticked_good = (score is not None and score >= 4) or choice == "满意"
    ticked_bad = (score is not None and score <= 2) or choice == "不满意"
    return (ticked_good and sentiment == "negative") or (ticked_bad and sentiment == "positive")
