"""The ``retrain`` Prefect flow: the steps of :mod:`pipelines.retrain` as tasks.

    gather-training-data → fit-candidate → evaluate-and-compare → register-candidate → promote (gated)

Only the data read is retried (database I/O); fitting and evaluation are deterministic and are not.
Settings come from the environment (``QINGFENG_*``), as in the nightly flow.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from pipelines import retrain as steps
from qingfeng.settings import Settings

_PLAIN = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="gather-training-data", retries=2, retry_delay_seconds=[2, 10], **_PLAIN)
def gather(settings: Settings, name: str, fraction: float, sample: int | None) -> steps.TrainingData:
    from qingfeng.storage.db import connect

    return steps.gather_data(settings, connect(settings.database_url), name, fraction, sample)


@task(name="fit-candidate", **_PLAIN)
def fit(settings: Settings, resources, data: steps.TrainingData, options: steps.RetrainOptions):
    return steps.fit_candidate(settings, resources, data, options)


@task(name="evaluate-and-compare", **_PLAIN)
def evaluate(settings: Settings, resources, name: str, model, data: steps.TrainingData, rounds: int, seed: int):
    return steps.evaluate_and_compare(settings, resources, name, model, data, rounds=rounds, seed=seed)


@task(name="register-candidate", **_PLAIN)
def register(settings: Settings, name: str, model, config: dict, metrics: dict, comparison: dict,
             data: steps.TrainingData, backend: str, reference: dict | None) -> str:
    return steps.register_candidate(settings, name, model, config, metrics, comparison, data, backend, reference)


@task(name="promote-if-better", **_PLAIN)
def promote(settings: Settings, name: str, version: str) -> dict:
    from pipelines.promotion import promote_version
    from qingfeng.storage.db import connect

    outcome = promote_version(settings, name, version, actor="retrain-flow", factory=connect(settings.database_url))
    return {"promoted": outcome.promoted, "gate": outcome.gate.as_dict() if outcome.gate else None}


@flow(name="retrain", log_prints=False)
def retrain(name: str = "categories", backend: str = "sklearn", checkpoint: str | None = None,
            promote_when_better: bool = False, seed: int = 0, transformer: dict | None = None,
            config_overrides: dict | None = None, sample: int | None = None) -> dict[str, Any]:
    """Train a candidate on data/corpus + human labels, compare it with PRODUCTION, register it, and
    (``promote_when_better``) promote it when the gate passes."""
    from classifiers.train import load_resources

    logger = get_run_logger()
    settings = Settings()
    options = steps.RetrainOptions(name=name, backend=backend, checkpoint=checkpoint, transformer=dict(transformer or {}),
                                   config_overrides=dict(config_overrides or {}), seed=seed, sample=sample,
                                   promote=promote_when_better)
    options.check()
    resources = load_resources(settings)
    data = gather(settings, name, settings.retrain_holdout_fraction, sample)
    logger.info("training data: %s", {k: v for k, v in data.summary().items() if k != "holdout_label_ids"})
    model, config = fit(settings, resources, data, options)
    metrics, comparison = evaluate(settings, resources, name, model, data, settings.bootstrap_rounds, seed)
    reference = steps.drift_reference(name, model, data, resources)
    version = register(settings, name, model, config, metrics, comparison, data, backend, reference)
    summary = {"name": name, "version": version, "backend": backend, "metrics": metrics, "comparison": comparison,
               "data": data.summary(), "promoted": False}
    if promote_when_better:
        summary.update(promote(settings, name, version))
    create_markdown_artifact(steps.summary_zh(summary, settings.model_dir), key=f"retrain-{name}",
                             description=f"清风 {name} 模型重新训练")
    logger.info("registered %s/%s (gate %s)", name, version, "passed" if comparison["gate"]["allowed"] else "refused")
    return summary
