"""Which backend a registered model uses, and loading / saving by backend.

A version's ``config.json`` names its backend: ``"backend": "sklearn"`` (the default linear model, also
when the key is absent) or ``"transformer"`` (categories only; the network lives in the version's
``transformer/`` directory). Everything that loads a categories model from the registry goes through
:func:`load_category_model`, so the triager, evaluation and comparison work with either backend.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from classifiers import model_specs, registry


class Backend(StrEnum):
    sklearn = "sklearn"
    transformer = "transformer"


def backend_of(config: dict) -> Backend:
    return Backend(config.get("backend", Backend.sklearn))


def version_dir(model_dir: Path, loaded: registry.LoadedVersion) -> Path:
    return Path(model_dir) / loaded.name / loaded.version


def load_category_model(model_dir: Path, loaded: registry.LoadedVersion):
    """A categories model from a loaded registry version, whichever backend trained it."""
    if backend_of(loaded.config) is Backend.transformer:
        from classifiers.lexicon import CueLexicon
        from classifiers.transformer_backend import SUBDIR, TransformerArgs, load_model

        config = loaded.config
        lexicon = CueLexicon(config["cue_groups"], config["negation_words"], config["negation_window"]) \
            if config.get("cue_groups") else None
        return load_model(version_dir(model_dir, loaded) / SUBDIR, loaded.arrays["head_threshold"],
                          TransformerArgs(**config["transformer"]), lexicon)
    return model_specs.from_artifact(loaded.config, loaded.arrays)


def load_model(model_dir: Path, name: str, version: str, directory=None):
    """The model of ``name``/``version``: a categories or agencies classifier, or a SurveyModel."""
    loaded = registry.load_version(Path(model_dir), name, version)
    if name == "categories":
        return load_category_model(model_dir, loaded)
    if name == "sentiment":
        from classifiers.survey import survey_model_from_version

        return survey_model_from_version(loaded)
    return model_specs.from_artifact(loaded.config, loaded.arrays, directory)


def transformer_libraries() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for lib in ("torch", "transformers", "tokenizers", "safetensors"):
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "unknown"
    return out


def save_transformer_version(model_dir: Path, model, base_config: dict, metrics: dict, data_hash: str, *,
                             scratch: Path, extra: dict[str, str | Path] | None = None,
                             version: str | None = None) -> str:
    """Register a fitted transformer categories model; ``scratch`` is an empty working directory."""
    from classifiers.transformer_backend import SUBDIR

    saved = model.save(Path(scratch) / SUBDIR)
    config = {**base_config, **model.config(), "training_history": model.history,
              "libraries": transformer_libraries()}
    arrays = {"head_threshold": model.head.threshold_}
    return registry.save_version(Path(model_dir), "categories", arrays, model.labels, config, metrics, data_hash,
                                 version=version, extra={SUBDIR: saved, **(extra or {})})
