"""One settings object for the whole system (pydantic-settings, env prefix ``QINGFENG_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    return PROJECT_ROOT / "data"


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``QINGFENG_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="QINGFENG_", env_file=None, extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{PROJECT_ROOT / 'var' / 'qingfeng.db'}",
        description="SQLAlchemy URL; SQLite file under var/ by default, PostgreSQL by URL.",
    )
    model_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "models")
    reports_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "reports")
    data_dir: Path = Field(default_factory=_default_data_dir)
    timezone: str = "Asia/Shanghai"

    # nightly ingestion
    max_text_chars: int = 20_000
    classify_chunk_size: int = 500
    classify_workers: int = Field(1, ge=1, description="processes that triage the nightly chunks (1 = in the flow's "
                                  "own process; more = a pool triaging one chunk ahead of storage)")
    nightly_cron: str = "0 2 * * *"

    # triage decisions
    review_margin: float = 0.15
    review_margin_by_channel: dict[str, float] = Field(default_factory=dict)

    # API
    api_max_body_bytes: int = 262_144
    api_max_text_chars: int = 20_000
    api_batch_max_items: int = 100
    api_rate_limit_per_minute: int = 600
    api_inline_triage_chars: int = Field(4000, ge=0, description="micro-batches of /v1/triage requests holding at "
                                         "most this many characters in all are triaged on the server's event loop "
                                         "(no thread hand-off; the loop pauses a few milliseconds at most); longer "
                                         "texts go to a worker thread. 0 = always a worker thread")

    # retraining loop: review sampling, promotion gate, drift warning
    review_audit_rate: float = Field(0.05, ge=0.0, le=1.0, description="share of confident items sampled for audit")
    promotion_max_drop: float = Field(0.02, ge=0.0, description="largest per-label F1 drop a promotion accepts")
    retrain_holdout_fraction: float = Field(0.2, ge=0.0, lt=1.0, description="newest human labels kept for evaluation")
    bootstrap_rounds: int = Field(1000, ge=50, description="bootstrap resamples for F1-delta intervals")
    drift_psi_threshold: float = Field(0.2, gt=0.0, description="PSI above which the daily report warns")

    # survey scoring: respondent pseudonyms (HMAC key; when unset a random key is kept in the key file)
    survey_pseudonym_key: SecretStr | None = None
    survey_pseudonym_key_file: Path = Field(default_factory=lambda: PROJECT_ROOT / "var" / "survey_pseudonym.key")
    survey_scoring_cron: str = "0 3 5 1,4,7,10 *"  # quarterly, scoring the quarter just ended

    @property
    def taxonomy_path(self) -> Path:
        return self.data_dir / "taxonomy.yaml"

    @property
    def agencies_path(self) -> Path:
        return self.data_dir / "agencies.yaml"

    @property
    def user_dict_path(self) -> Path:
        return self.data_dir / "lexicon" / "userdict.txt"

    @property
    def corpus_dir(self) -> Path:
        return self.data_dir / "corpus"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings(...)`` and pass it in."""
    return Settings()
