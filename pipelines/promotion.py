"""Registry operations for analysts: list versions, promote through the gate, roll back.

Promotion and rollback only rewrite the PRODUCTION pointer (HISTORY keeps the earlier ones); the API's
triager notices the new pointer on its next request (``reload_if_changed``) and the nightly flow loads
PRODUCTION at the start of every run, so nothing needs a restart.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from pathlib import Path

from classifiers import compare, registry

COMPARABLE = ("categories", "agencies", "sentiment")


class PromotionError(ValueError):
    pass


@dataclass(frozen=True)
class PromotionOutcome:
    name: str
    version: str
    previous: str | None
    promoted: bool
    gate: compare.GateDecision | None  # None: gate skipped (--force, or nothing to compare with)
    forced: bool = False


def version_record(model_dir: Path, name: str, version: str, production: str | None) -> dict:
    path = Path(model_dir) / name / version
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    return {"name": name, "version": version, "created_at": manifest.get("created"), "metrics": metrics,
            "production": version == production}


def list_models(model_dir: Path, names: tuple[str, ...] = registry.MODEL_NAMES) -> list[dict]:
    """Every registered version, oldest first per model."""
    out = []
    for name in names:
        production = registry.production_version(Path(model_dir), name)
        out += [version_record(model_dir, name, v, production) for v in registry.list_versions(Path(model_dir), name)]
    return out


def stored_comparison(model_dir: Path, name: str, version: str) -> dict | None:
    path = Path(model_dir) / name / version / "comparison.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _test_slice(settings, name: str, candidate, baseline, resources, rounds: int, seed: int) -> dict:
    """Comparison of two loaded models on the fixed test split."""
    import numpy as np

    from classifiers.corpus import label_matrix, read_complaints, read_survey
    from pipelines.retrain import compare_on_slices

    if name != "sentiment":
        test = read_complaints(Path(settings.corpus_dir), "test")
        return compare_on_slices(name, candidate, baseline, {"test": test}, resources, rounds=rounds, seed=seed)[0]
    answers = read_survey(Path(settings.corpus_dir), "test")
    docs = resources.prepare([a.text for a in answers])

    def matrix(model) -> np.ndarray:
        results = model.predict(docs)
        sent = label_matrix([(r.sentiment,) for r in results], model.sentiment.labels)
        asp = label_matrix([tuple(r.aspects) for r in results], model.aspects.labels)
        return np.hstack([sent, asp]).astype(bool)

    labels = [*candidate.sentiment.labels, *(f"aspect:{a}" for a in candidate.aspects.labels)]
    Y_true = np.hstack([label_matrix([(a.sentiment,) for a in answers], candidate.sentiment.labels),
                        label_matrix([a.aspects for a in answers], candidate.aspects.labels)]).astype(bool)
    return {"test": compare.compare_slice(Y_true, matrix(candidate), matrix(baseline), labels, multilabel_oos=False,
                                          rounds=rounds, seed=seed)}


def _holdout_slice(settings, factory, name: str, candidate, baseline, resources, label_ids: list[int],
                   rounds: int, seed: int) -> dict:
    from pipelines.labels import read_examples_by_id
    from pipelines.retrain import compare_on_slices, to_complaints
    from qingfeng.storage.db import session_scope

    if not label_ids or factory is None:
        return {}
    with session_scope(factory) as session:
        examples = read_examples_by_id(session, label_ids)
    return compare_on_slices(name, candidate, baseline, {"holdout": to_complaints(examples, name)}, resources,
                             rounds=rounds, seed=seed)[0]


def gate_for(settings, name: str, version: str, factory=None) -> compare.GateDecision | None:
    """The promotion gate of ``version`` against the current PRODUCTION (None: nothing to compare with).

    The comparison stored with the version is reused when it was made against today's PRODUCTION;
    otherwise both models are compared again on the test split (and on the stored held-out human labels
    when a database is at hand).
    """
    from classifiers.backends import load_model
    from classifiers.model_card import LABEL_ZH
    from classifiers.train import load_resources

    model_dir = Path(settings.model_dir)
    production = registry.production_version(model_dir, name)
    if production is None or production == version:
        return None
    stored = stored_comparison(model_dir, name, version)
    max_drop = float(settings.promotion_max_drop)
    if stored and stored.get("baseline") == production and stored.get("slices"):
        return compare.promotion_gate(stored["slices"], max_drop, label_names=LABEL_ZH)
    resources = load_resources(settings)
    candidate = load_model(model_dir, name, version, resources.directory)
    baseline = load_model(model_dir, name, production, resources.directory)
    rounds, seed = int(settings.bootstrap_rounds), int((stored or {}).get("seed", 0))
    slices = _test_slice(settings, name, candidate, baseline, resources, rounds, seed)
    if name != "sentiment":
        slices.update(_holdout_slice(settings, factory, name, candidate, baseline, resources,
                                     list((stored or {}).get("holdout_label_ids", [])), rounds, seed))
    return compare.promotion_gate(slices, max_drop, label_names=LABEL_ZH)


def _audit(factory, actor: str, action: str, target: str, **detail) -> None:
    if factory is None:
        return
    from qingfeng.storage import audit
    from qingfeng.storage.db import session_scope

    with session_scope(factory) as session:
        audit.record(session, actor=actor, action=action, target=target, **detail)


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def promote_version(settings, name: str, version: str, *, force: bool = False, actor: str | None = None,
                    factory=None) -> PromotionOutcome:
    """Point PRODUCTION at ``version`` unless the gate refuses (``force`` skips the gate)."""
    model_dir = Path(settings.model_dir)
    if name not in COMPARABLE:
        raise PromotionError(f"未知模型 {name!r}；可选 {', '.join(COMPARABLE)}")
    if version not in registry.list_versions(model_dir, name):
        raise PromotionError(f"找不到模型版本 {name}/{version}（用 qingfeng models list 查看）")
    current = registry.production_version(model_dir, name)
    if current == version:
        return PromotionOutcome(name, version, current, False, None)
    gate = None if force else gate_for(settings, name, version, factory)
    if gate is not None and not gate.allowed:
        _audit(factory, actor or default_actor(), "model_promotion_refused", f"{name}/{version}", reasons=gate.reasons)
        return PromotionOutcome(name, version, current, False, gate)
    previous = registry.set_production(model_dir, name, version)
    _audit(factory, actor or default_actor(), "model_promoted", f"{name}/{version}", previous=previous, forced=force)
    return PromotionOutcome(name, version, previous, True, gate, forced=force)


def rollback_version(settings, name: str, *, actor: str | None = None, factory=None) -> tuple[str | None, str]:
    """PRODUCTION back to the previous version from HISTORY; returns (from, to)."""
    try:
        current, target = registry.rollback(Path(settings.model_dir), name)
    except registry.RegistryError as exc:
        raise PromotionError(str(exc)) from exc
    _audit(factory, actor or default_actor(), "model_rollback", f"{name}/{target}", previous=current)
    return current, target
