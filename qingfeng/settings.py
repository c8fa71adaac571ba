"""One settings object for the whole system (pydantic-settings, env prefix ``QINGFENG_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
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
    nightly_cron: str = "0 2 * * *"

    # triage decisions
    review_margin: float = 0.15
    review_margin_by_channel: dict[str, float] = Field(default_factory=dict)

    # API
    api_max_body_bytes: int = 262_144
    api_max_text_chars: int = 20_000
    api_batch_max_items: int = 100
    api_rate_limit_per_minute: int = 600

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
