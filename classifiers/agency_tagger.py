"""Agency tagging: dictionary mentions (agencies.yaml) combined with a learned model.

The learned model sees the text features plus, per agency, counts of mentions by kind (name / sub-unit /
role word / generic unit word) outside passing context and a count of passing mentions; it therefore also
scores texts that name no organ ("执行款一直不到账" → court). Decisions are per-agency thresholds on the
calibrated probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classifiers.agency_directory import MENTION_KINDS, AgencyDirectory, Mention
from classifiers.features import PreparedText
from classifiers.spans import Span
from classifiers.text_model import TextClassifier

FALLBACK_MIN_PROBA = 0.3


def dictionary_feature_names(codes: list[str]) -> list[str]:
    return [f"dict:{c}:{part}" for c in codes for part in (*MENTION_KINDS, "passing", "first")]


def dictionary_features(docs: list[PreparedText], codes: list[str]) -> np.ndarray:
    """Per agency: log1p counts of non-passing mentions by kind, of passing mentions, and first-mention flag.

    Uses the mentions found while preparing the text (``prepare(..., directory)``).
    """
    width = len(MENTION_KINDS) + 2
    out = np.zeros((len(docs), width * len(codes)), dtype=np.float32)
    col = {c: i * width for i, c in enumerate(codes)}
    kind_col = {k: i for i, k in enumerate(MENTION_KINDS)}
    for row, doc in enumerate(docs):
        first = True
        for m in doc.mentions:
            base = col.get(m.span.label)
            if base is None:
                continue
            if m.passing:
                out[row, base + len(MENTION_KINDS)] += 1
            else:
                out[row, base + kind_col[m.kind]] += 1
                if first:
                    out[row, base + width - 1] = 1
                    first = False
    return np.log1p(out)


@dataclass(frozen=True)
class AgencyDecision:
    agencies: list[str]
    scores: dict[str, float]
    sub_units: list[str]
    mentions: list[Mention]


class AgencyTagger:
    """The learned agency model (a :class:`TextClassifier`) with its directory."""

    def __init__(self, model: TextClassifier, directory: AgencyDirectory, version: str = "unversioned") -> None:
        self.model = model
        self.directory = directory
        self.version = version

    @property
    def labels(self) -> list[str]:
        return self.model.labels

    def decide(self, docs: list[PreparedText], proba: np.ndarray | None = None) -> list[AgencyDecision]:
        proba = self.model.predict_proba(docs) if proba is None else proba
        decisions = []
        thresholds = self.model.head.threshold_
        for doc, p in zip(docs, proba):
            chosen = [lab for lab, pj, t in zip(self.labels, p, thresholds) if pj >= t]
            if not chosen and p.max() >= FALLBACK_MIN_PROBA:
                chosen = [self.labels[int(np.argmax(p))]]  # an organ is usually concerned: take the best one
            chosen.sort(key=lambda lab: -p[self.labels.index(lab)])
            mentions = list(doc.mentions)
            decisions.append(AgencyDecision(chosen, dict(zip(self.labels, map(float, p))),
                                            _sub_units(mentions, chosen), mentions))
        return decisions

    def evidence(self, doc: PreparedText, decision: AgencyDecision) -> list[Span]:
        """Dictionary mentions of the accused agencies (non-passing), as spans into the original text."""
        spans = []
        for m in decision.mentions:
            if m.passing or m.span.label not in decision.agencies:
                continue
            s, e = doc.normalised.original_span(m.span.start, m.span.end)
            spans.append(Span(s, e, m.span.label, doc.original[s:e]))
        return spans[:3]

    def handler(self, agencies: list[str], categories: list[str], serious: frozenset[str]) -> str | None:
        if not agencies:
            return None
        return self.directory.handler(agencies[0], bool(serious.intersection(categories)))


def _sub_units(mentions: list[Mention], agencies: list[str]) -> list[str]:
    seen: list[str] = []
    for m in mentions:
        if m.sub_unit and not m.passing and m.span.label in agencies and m.sub_unit not in seen:
            seen.append(m.sub_unit)
    return seen
