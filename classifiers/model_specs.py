"""Named model recipes and their plain-array artifacts.

Each recipe (``categories``, ``agencies``, ``sentiment`` with its ``aspects`` head) is a
:class:`TextClassifier` built from a config dict; ``to_artifact`` / ``from_artifact`` turn a fitted one into
(arrays for ``weights.npz``, a JSON-able config) and back. The cue words travel inside the config.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from classifiers.agency_tagger import dictionary_feature_names, dictionary_features
from classifiers.features import SEGMENTER_HMM, TextFeaturizer
from classifiers.lexicon import CueLexicon, lexicon_from_cues
from classifiers.linear import MultiClassHead, MultiLabelHead
from classifiers.text_model import TextClassifier
from qingfeng.codes import AGENCY_CODES, CATEGORY_CODES, SENTIMENT_CODES

SPEC_VERSION = 1
DEFAULT_CONFIGS: dict[str, dict] = {
    "categories": {
        "featurizer": {"char_ngram": [1, 3], "word_min_df": 2, "char_min_df": 2, "max_features": 60000,
                       "cue_weight": 0.0, "use_words": True, "cue_tokens": True},
        "head": {"estimator": "svc", "C": 0.3, "folds": 5, "class_weight": "balanced", "random_state": 0},
        "cue_sections": ["categories", "out_of_scope"],
        # survey answers name the same six problems (aspects); praise is out of scope in both
        "auxiliary_survey": True,
    },
    "agencies": {
        "featurizer": {"char_ngram": [1, 3], "word_min_df": 2, "char_min_df": 2, "max_features": 60000,
                       "cue_weight": 1.0, "use_words": True, "cue_tokens": True},
        "head": {"estimator": "svc", "C": 0.3, "folds": 5, "class_weight": "balanced", "random_state": 0},
        "cue_sections": ["agencies", "out_of_scope"],
    },
    "sentiment": {
        "featurizer": {"char_ngram": [1, 3], "word_min_df": 1, "char_min_df": 1, "max_features": 60000,
                       "cue_weight": 0.1, "use_words": True, "cue_tokens": True},
        "head": {"C": 4.0, "class_weight": "balanced"},
        "aspects_head": {"estimator": "svc", "C": 0.3, "folds": 5, "class_weight": "balanced", "random_state": 0},
        "cue_sections": ["sentiment", "categories"],
        # complaints that name a problem are negative answers too: that many per survey answer (spread evenly)
        "auxiliary_negative_ratio": 0.6,
        # the aspects head also learns from the complaints (same six codes)
        "auxiliary_aspects_from_complaints": True,
    },
}


def _lexicon(config: dict) -> CueLexicon:
    return CueLexicon(config["cue_groups"], config["negation_words"], config["negation_window"])


def resolve_config(name: str, cue_doc: dict, overrides: dict | None = None) -> dict:
    """The full config of a recipe: defaults, overrides, labels and the cue words it will use."""
    config = {**DEFAULT_CONFIGS[name], **(overrides or {})}
    lexicon = lexicon_from_cues(cue_doc, tuple(config["cue_sections"]))
    labels = {"categories": CATEGORY_CODES, "agencies": AGENCY_CODES, "sentiment": SENTIMENT_CODES}[name]
    short = {k: [str(w) for w in v] for k, v in (cue_doc.get("short_answers") or {}).items()}
    return {**config, "name": name, "spec_version": SPEC_VERSION, "labels": sorted(labels), "short_answers": short,
            "segmenter": {"hmm": SEGMENTER_HMM, "user_dict": "data/lexicon/userdict.txt"},
            "aspect_labels": sorted(CATEGORY_CODES), "cue_groups": lexicon.groups,
            "negation_words": list(lexicon.negation_words), "negation_window": lexicon.negation_window}


def build(config: dict, *, head_key: str = "head", labels_key: str = "labels") -> TextClassifier:
    """An unfitted classifier for ``config`` (the agencies one adds dictionary-mention features)."""
    featurizer = TextFeaturizer(**{**config["featurizer"], "char_ngram": tuple(config["featurizer"]["char_ngram"])})
    multiclass = config["name"] == "sentiment" and head_key == "head"
    head = (MultiClassHead if multiclass else MultiLabelHead)(**config[head_key])
    extra = extra_names = None
    if config["name"] == "sentiment" and head_key == "head":
        from classifiers.survey import short_answer_feature_names, short_answer_features

        table = config.get("short_answers") or {}
        extra = partial(short_answer_features, table=table)
        extra_names = short_answer_feature_names(table)
    if config["name"] == "agencies":
        codes = list(config["labels"])
        extra = partial(dictionary_features, codes=codes)
        extra_names = dictionary_feature_names(codes)
    return TextClassifier(featurizer, _lexicon(config), head, config[labels_key], extra, extra_names)


def to_artifact(model: TextClassifier, prefix: str = "") -> dict[str, np.ndarray]:
    return {**model.featurizer.to_arrays(prefix), **model.head.to_arrays(f"{prefix}head_")}


def from_artifact(config: dict, arrays: dict[str, np.ndarray], directory=None, *, prefix: str = "",
                  head_key: str = "head", labels_key: str = "labels") -> TextClassifier:
    """The fitted classifier stored in ``arrays``. ``directory`` is accepted for older callers and unused:
    dictionary features come from the mentions found when the text is prepared."""
    model = build(config, head_key=head_key, labels_key=labels_key)
    model.featurizer = TextFeaturizer.from_arrays(model.featurizer.config(), arrays, prefix)
    model.head = type(model.head).from_arrays(config[head_key], config[labels_key], arrays, f"{prefix}head_")
    return model
