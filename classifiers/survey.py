"""Survey answers: 3-class sentiment with probabilities, and aspects (the six category codes).

Short answers (满意 / 无 / 一般), negation scope (不太满意, 没什么不满意) and quoted praise (真是“高效”) are
covered by the cue lexicon's negated / quoted features next to character n-grams. A positive answer
raises no aspect (labelling convention: aspects are problems the answer names).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers import model_specs, registry
from classifiers.features import PreparedText
from classifiers.results import SurveyResult
from classifiers.text_model import TextClassifier

_NOT_CONTENT = frozenset(" *，,。.!！?？;；:：、…~“”\"'‘’（）()-—")


def answer_core(text: str) -> str:
    """The answer without punctuation, spaces and emoji: what a short-answer table is matched against."""
    return "".join(ch for ch in text if ch not in _NOT_CONTENT and (ch.isalnum() or "\u4e00" <= ch <= "\u9fff"))


def short_answer_feature_names(table: dict[str, list[str]]) -> list[str]:
    return [f"short:{label}" for label in sorted(table)]


def short_answer_features(docs: list[PreparedText], table: dict[str, list[str]]) -> np.ndarray:
    """One-hot: the whole answer is a known short verdict (满意 / 无 / 一般 / 差 …)."""
    labels = sorted(table)
    lookup = {word: j for j, label in enumerate(labels) for word in table[label]}
    out = np.zeros((len(docs), len(labels)), dtype=np.float32)
    for i, doc in enumerate(docs):
        j = lookup.get(answer_core(doc.clean_text))
        if j is not None:
            out[i, j] = 1.0
    return out


class SurveyModel:
    def __init__(self, sentiment: TextClassifier, aspects: TextClassifier, version: str) -> None:
        self.sentiment = sentiment
        self.aspects = aspects
        self.version = version

    def predict(self, docs: list[PreparedText]) -> list[SurveyResult]:
        if not docs:
            return []
        sent_p = self.sentiment.predict_proba(docs)
        asp_p = self.aspects.predict_proba(docs)
        asp_pred = self.aspects.head.predict(asp_p)
        results = []
        for sp_row, ap_row, chosen in zip(sent_p, asp_p, asp_pred):
            sentiment = self.sentiment.labels[int(np.argmax(sp_row))]
            aspects = [] if sentiment == "positive" else [
                lab for lab, keep in zip(self.aspects.labels, chosen) if keep]
            aspects.sort(key=lambda lab: -ap_row[self.aspects.labels.index(lab)])
            results.append(SurveyResult(
                sentiment=sentiment,
                sentiment_scores={lab: float(p) for lab, p in zip(self.sentiment.labels, sp_row)},
                aspects=aspects,
                model_version=f"sentiment:{self.version}",
                aspect_scores={lab: float(p) for lab, p in zip(self.aspects.labels, ap_row)},
            ))
        return results


class SurveyAnalyzer:
    """Text in, :class:`SurveyResult` out; normalises and masks PII before the model sees the text."""

    def __init__(self, model: SurveyModel, resources) -> None:
        self.model = model
        self.resources = resources

    @property
    def model_version(self) -> str:
        return f"sentiment:{self.model.version}"

    def analyse(self, text: str) -> SurveyResult:
        return self.analyse_batch([text])[0]

    def analyse_batch(self, texts: list[str]) -> list[SurveyResult]:
        return self.model.predict(self.resources.prepare([str(t) for t in texts]))


def survey_model_from_version(loaded: registry.LoadedVersion) -> SurveyModel:
    config, arrays = loaded.config, loaded.arrays
    sentiment = model_specs.from_artifact(config, arrays, prefix="sent_")
    aspects = model_specs.from_artifact(config, arrays, prefix="asp_", head_key="aspects_head",
                                        labels_key="aspect_labels")
    return SurveyModel(sentiment, aspects, loaded.version)


def load_survey_analyzer(settings) -> SurveyAnalyzer:
    """The PRODUCTION sentiment model; raises :class:`classifiers.triage.ModelsMissing` when there is none."""
    from classifiers.train import load_resources
    from classifiers.triage import ModelsMissing

    model_dir = Path(settings.model_dir)
    version = registry.production_version(model_dir, "sentiment")
    if version is None:
        raise ModelsMissing(model_dir, ["sentiment"])
    return SurveyAnalyzer(survey_model_from_version(registry.load_version(model_dir, "sentiment", version)),
                          load_resources(settings))
