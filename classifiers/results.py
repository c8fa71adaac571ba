"""What the models return. These shapes are the contract for the CLI, the nightly flow and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from classifiers.spans import Span


@dataclass(frozen=True)
class TriageResult:
    """The triage of one complaint text (the fields of one ``qingfeng classify`` output line)."""

    categories: list[str]
    category_scores: dict[str, float]
    agencies: list[str]
    agency_scores: dict[str, float]
    sub_units: list[str]
    handler: str | None
    needs_review: bool
    evidence: list[Span]
    model_version: str
    review_reasons: list[str] = field(default_factory=list)

    @property
    def out_of_scope(self) -> bool:
        return not self.categories

    def as_dict(self) -> dict:
        return {
            "categories": list(self.categories),
            "category_scores": {k: round(float(v), 4) for k, v in self.category_scores.items()},
            "agencies": list(self.agencies),
            "agency_scores": {k: round(float(v), 4) for k, v in self.agency_scores.items()},
            "sub_units": list(self.sub_units),
            "handler": self.handler,
            "needs_review": bool(self.needs_review),
            "evidence": [s.as_dict() for s in self.evidence],
            "model_version": self.model_version,
        }


@dataclass(frozen=True)
class SurveyResult:
    """Sentiment and aspects of one open survey answer."""

    sentiment: str
    sentiment_scores: dict[str, float]
    aspects: list[str]
    model_version: str
    aspect_scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "sentiment": self.sentiment,
            "sentiment_scores": {k: round(float(v), 4) for k, v in self.sentiment_scores.items()},
            "aspects": list(self.aspects),
            "model_version": self.model_version,
        }
