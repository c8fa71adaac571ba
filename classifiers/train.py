"""Training, one verb per function: prepare texts, fit a model, register a fitted model.

``register_trained`` composes them for the CLI and ``ensure_default_models``: read → fit → evaluate (in
:mod:`classifiers.evaluate`) → save → promote when there is no PRODUCTION yet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifiers import model_specs, registry
from classifiers.agency_directory import AgencyDirectory
from classifiers.corpus import Complaint, SurveyAnswer, complaint_paths, label_matrix, survey_paths
from classifiers.features import PreparedText, make_segmenter, prepare
from classifiers.lexicon import read_cue_file
from classifiers.segment import Segmenter
from classifiers.text_model import TextClassifier


@dataclass
class TextResources:
    """What every model needs to read text: a segmenter, the agency directory and the cue words."""

    segmenter: Segmenter
    directory: AgencyDirectory
    cue_doc: dict
    memo: dict | None = None  # text -> PreparedText, when one training run prepares the same texts repeatedly

    def prepare(self, texts: list[str]) -> list[PreparedText]:
        if self.memo is None:
            return [prepare(t, self.segmenter, self.directory) for t in texts]
        out = []
        for t in texts:
            doc = self.memo.get(t)
            if doc is None:
                doc = self.memo[t] = prepare(t, self.segmenter, self.directory)
            out.append(doc)
        return out


def cue_path(settings) -> Path:
    return Path(settings.data_dir) / "lexicon" / "cues.yaml"


def load_resources(settings) -> TextResources:
    return TextResources(make_segmenter(settings.user_dict_path), AgencyDirectory.from_yaml(settings.agencies_path),
                         read_cue_file(cue_path(settings)))


def fit_categories(docs: list[PreparedText], complaints: list[Complaint], config: dict) -> TextClassifier:
    model = model_specs.build(config)
    return model.fit(docs, label_matrix([c.categories for c in complaints], config["labels"]))


def fit_agencies(docs: list[PreparedText], complaints: list[Complaint], config: dict,
                 directory: AgencyDirectory | None = None) -> TextClassifier:
    """``directory`` is accepted for older callers: the dictionary features come from the prepared docs."""
    model = model_specs.build(config)
    return model.fit(docs, label_matrix([c.agencies for c in complaints], config["labels"]))


def fit_sentiment(docs: list[PreparedText], sentiments: list[str], config: dict) -> TextClassifier:
    model = model_specs.build(config)
    index = {lab: i for i, lab in enumerate(config["labels"])}
    return model.fit(docs, np.asarray([index[s] for s in sentiments]))


def fit_aspects(docs: list[PreparedText], aspect_sets: list[tuple[str, ...]], config: dict) -> TextClassifier:
    model = model_specs.build(config, head_key="aspects_head", labels_key="aspect_labels")
    return model.fit(docs, label_matrix(aspect_sets, config["aspect_labels"]))


def survey_as_complaints(answers: list[SurveyAnswer]) -> list[Complaint]:
    """Survey answers as auxiliary category examples: aspects are the categories, no agency."""
    return [Complaint(a.id, None, a.text, a.aspects, ()) for a in answers]


def training_complaints(settings, name: str, config: dict) -> list[Complaint]:
    from classifiers.corpus import read_complaints, read_survey

    records = read_complaints(Path(settings.corpus_dir), "train")
    if name == "categories" and config.get("auxiliary_survey"):
        records += survey_as_complaints(read_survey(Path(settings.corpus_dir), "train"))
    return records


def auxiliary_negatives(complaints: list[Complaint], n_answers: int, ratio: float) -> list[int]:
    """Indices of complaints naming a problem, ``ratio`` × ``n_answers`` of them spread evenly over the file."""
    candidates = [i for i, c in enumerate(complaints) if c.categories]
    wanted = min(len(candidates), int(ratio * n_answers))
    if wanted <= 0:
        return []
    return [candidates[int(k * len(candidates) / wanted)] for k in range(wanted)]


def training_data_hash(settings, name: str) -> str:
    corpus = Path(settings.corpus_dir)
    paths = survey_paths(corpus, "train") + complaint_paths(corpus, "train")
    return registry.data_sha256([*paths, cue_path(settings), Path(settings.agencies_path), Path(settings.user_dict_path)])


def save_model(settings, name: str, arrays: dict[str, np.ndarray], config: dict, metrics: dict,
               data_hash: str) -> str:
    return registry.save_version(Path(settings.model_dir), name, arrays, config["labels"], config, metrics, data_hash)


def promote_if_first(settings, name: str, version: str) -> bool:
    if registry.production_version(Path(settings.model_dir), name) is None:
        registry.set_production(Path(settings.model_dir), name, version)
        return True
    return False


def register_trained(settings, name: str, *, sample: int | None = None,
                     resources: TextResources | None = None) -> dict:
    """Train ``name`` on the train split, evaluate on the test split, save a version, promote if first.

    ``sample`` keeps only the first n training records (smoke tests); ``resources`` (with a memo) lets several
    models share prepared texts. Returns a summary dict.
    """
    from classifiers import evaluate
    from classifiers.corpus import read_complaints, read_survey

    started = time.perf_counter()
    resources = resources or load_resources(settings)
    config = model_specs.resolve_config(name, resources.cue_doc)
    corpus = Path(settings.corpus_dir)
    if name == "sentiment":
        train = read_survey(corpus, "train")[:sample]
        test = read_survey(corpus, "test")
        docs = resources.prepare([a.text for a in train])
        complaints = read_complaints(corpus, "train")[:sample]
        complaint_docs = resources.prepare([c.text for c in complaints])
        negatives = auxiliary_negatives(complaints, len(train), config.get("auxiliary_negative_ratio", 0.0))
        sentiment = fit_sentiment(docs + [complaint_docs[i] for i in negatives],
                                  [a.sentiment for a in train] + ["negative"] * len(negatives), config)
        aspect_docs, aspect_sets = docs, [a.aspects for a in train]
        if config.get("auxiliary_aspects_from_complaints"):
            aspect_docs, aspect_sets = docs + complaint_docs, aspect_sets + [c.categories for c in complaints]
        aspects = fit_aspects(aspect_docs, aspect_sets, config)
        arrays = {**model_specs.to_artifact(sentiment, "sent_"), **model_specs.to_artifact(aspects, "asp_")}
        metrics = evaluate.survey_metrics(_survey_model(sentiment, aspects), test, resources)
    else:
        train = training_complaints(settings, name, config)[:sample]
        test = read_complaints(corpus, "test")
        docs = resources.prepare([c.text for c in train])
        if name == "categories":
            model = fit_categories(docs, train, config)
            metrics = evaluate.category_metrics(model, test, resources)
        else:
            model = fit_agencies(docs, train, config)
            metrics = evaluate.agency_metrics(model, test, resources)
        arrays = model_specs.to_artifact(model)
    metrics = {**metrics, "n_train": len(train), "n_test": len(test),
               "train_seconds": round(time.perf_counter() - started, 2)}
    version = save_model(settings, name, arrays, config, metrics, training_data_hash(settings, name))
    promoted = promote_if_first(settings, name, version)
    return {"name": name, "version": version, "promoted": promoted, "metrics": metrics}


def _survey_model(sentiment: TextClassifier, aspects: TextClassifier):
    from classifiers.survey import SurveyModel

    return SurveyModel(sentiment, aspects, version="candidate")
