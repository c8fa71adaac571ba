"""The ONE triage(): text in, categories + agencies + evidence + needs_review out.

The CLI, the nightly flow and the API all call :meth:`Triager.triage` / :meth:`Triager.triage_batch`.
Texts are normalised and PII-masked internally; evidence offsets point into the text passed in.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from classifiers import model_specs, registry
from classifiers.agency_directory import AgencyDirectory
from classifiers.backends import load_category_model
from classifiers.agency_tagger import AgencyTagger
from classifiers.features import SharedVocabulary, TextFeaturizer, make_segmenter, prepare
from classifiers.linear import csr_rows
from classifiers.results import TriageResult
from classifiers.segment import Segmenter
from classifiers.text_model import TextClassifier
from qingfeng.codes import SERIOUS_CATEGORIES

TRIAGE_MODELS = ("categories", "agencies")


class ModelsMissing(RuntimeError):
    """No PRODUCTION model to load."""

    def __init__(self, model_dir: Path, names: list[str]) -> None:
        self.model_dir = Path(model_dir)
        self.names = list(names)
        listed = ", ".join(self.names)
        super().__init__(
            f"没有可用的生产模型（缺少：{listed}，目录 {self.model_dir}）。请先运行 `qingfeng train` 训练默认模型。"
            f" / No PRODUCTION model for: {listed} in {self.model_dir}. Run `qingfeng train` first."
        )


class Triager:
    def __init__(self, categories_model: TextClassifier, agency_tagger: AgencyTagger, settings, *,
                 categories_version: str | None = None, segmenter: Segmenter | None = None) -> None:
        self.categories_model = categories_model
        self.agency_tagger = agency_tagger
        self.settings = settings
        self.categories_version = categories_version or getattr(categories_model, "version", "unversioned")
        self.segmenter = segmenter or make_segmenter(settings.user_dict_path)
        share_vocabularies(categories_model, agency_tagger.model)
        self._pointers = registry.pointer_state(Path(settings.model_dir), TRIAGE_MODELS)
        self._lock = threading.Lock()

    @property
    def model_version(self) -> str:
        return f"categories:{self.categories_version}+agencies:{self.agency_tagger.version}"

    def triage(self, text: str, channel: str | None = None) -> TriageResult:
        return self.triage_batch([text], [channel])[0]

    def triage_batch(self, texts: list[str], channels: list[str | None] | None = None) -> list[TriageResult]:
        texts = [str(t) for t in texts]
        if not texts:
            return []
        channels = list(channels) if channels is not None else [None] * len(texts)
        if len(channels) != len(texts):
            raise ValueError("channels must be as long as texts")
        with self._lock:
            cat_model, tagger, version = self.categories_model, self.agency_tagger, self.model_version
        docs = [prepare(t, self.segmenter, tagger.directory) for t in texts]
        X = cat_model.features(docs)
        proba = cat_model.head.predict_proba(X)
        thresholds = cat_model.head.threshold_
        decisions = tagger.decide(docs)
        rows = csr_rows(X) if sp.issparse(X) else X
        results = []
        for i, (doc, channel, decision) in enumerate(zip(docs, channels, decisions)):
            p = proba[i]
            chosen = [lab for lab, pj, t in zip(cat_model.labels, p, thresholds) if pj >= t]
            chosen.sort(key=lambda lab: -p[cat_model.labels.index(lab)])
            evidence = []
            for lab in chosen:
                evidence += cat_model.evidence(doc, rows[i], lab)
            evidence += tagger.evidence(doc, decision)
            reasons = self._review_reasons(p, thresholds, cat_model.labels, chosen, decision, channel)
            results.append(TriageResult(
                categories=chosen,
                category_scores={lab: float(pj) for lab, pj in zip(cat_model.labels, p)},
                agencies=list(decision.agencies),
                agency_scores=decision.scores,
                sub_units=decision.sub_units,
                handler=tagger.handler(decision.agencies, chosen, SERIOUS_CATEGORIES),
                needs_review=bool(reasons),
                evidence=evidence,
                model_version=version,
                review_reasons=reasons,
            ))
        return results

    def _review_reasons(self, p: np.ndarray, thresholds: np.ndarray, labels: list[str], chosen: list[str],
                        decision, channel: str | None) -> list[str]:
        margin = float(self.settings.review_margin_by_channel.get(channel or "", self.settings.review_margin))
        reasons = [f"borderline:{lab}" for lab, pj, t in zip(labels, p, thresholds) if abs(pj - t) < margin]
        if chosen and not any(p[labels.index(lab)] >= thresholds[labels.index(lab)] + margin for lab in chosen):
            reasons.append("no_confident_category")
        if chosen and not decision.agencies:
            reasons.append("no_agency")
        return reasons

    def reload_if_changed(self) -> bool:
        """Reload when a PRODUCTION pointer changed (cheap: stat + read of two small files)."""
        state = registry.pointer_state(Path(self.settings.model_dir), TRIAGE_MODELS)
        if state == self._pointers:
            return False
        fresh = load_triager(self.settings)
        with self._lock:
            self.categories_model, self.agency_tagger = fresh.categories_model, fresh.agency_tagger
            self.categories_version = fresh.categories_version
            self._pointers = fresh._pointers
        return True


def share_vocabularies(*models) -> SharedVocabulary | None:
    """Join the vocabularies of the models' TF-IDF featurisers (a transformer backend has none), so one
    lookup per batch serves them all; the scores are unchanged."""
    featurizers = [m.featurizer for m in models if isinstance(getattr(m, "featurizer", None), TextFeaturizer)]
    return SharedVocabulary(featurizers) if len(featurizers) > 1 else None


def load_triager(settings) -> Triager:
    """The PRODUCTION categories and agencies models; raises :class:`ModelsMissing` when absent."""
    model_dir = Path(settings.model_dir)
    versions = {name: registry.production_version(model_dir, name) for name in TRIAGE_MODELS}
    missing = [name for name, v in versions.items() if v is None]
    if missing:
        raise ModelsMissing(model_dir, missing)
    directory = AgencyDirectory.from_yaml(settings.agencies_path)
    cat = registry.load_version(model_dir, "categories", versions["categories"])
    agc = registry.load_version(model_dir, "agencies", versions["agencies"])
    categories_model = load_category_model(model_dir, cat)  # sklearn or transformer backend
    agency_model = model_specs.from_artifact(agc.config, agc.arrays)
    tagger = AgencyTagger(agency_model, directory, version=agc.version)
    return Triager(categories_model, tagger, settings, categories_version=cat.version)


def ensure_default_models(settings) -> list[str]:
    """Train and promote every model without a PRODUCTION version (from data/). Returns what was trained."""
    import fcntl

    from classifiers.train import load_resources, register_trained

    model_dir = Path(settings.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    trained = []
    resources = None
    with (model_dir / ".train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once train once
        try:
            for name in registry.MODEL_NAMES:
                if registry.production_version(model_dir, name) is None:
                    if resources is None:  # one set of prepared texts for all the models trained here
                        resources = load_resources(settings)
                        resources.memo = {}
                    summary = register_trained(settings, name, resources=resources)
                    if not summary["promoted"]:
                        registry.set_production(model_dir, name, summary["version"])
                    trained.append(name)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return trained
