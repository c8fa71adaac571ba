"""Channel configuration (data/channels.yaml): column maps and per-channel options, validated."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableChannel(_Strict):
    columns: dict[str, list[str]]
    required: list[str]

    @model_validator(mode="after")
    def _required_are_mapped(self):
        missing = [f for f in self.required if f not in self.columns]
        if missing:
            raise ValueError(f"required fields without a column map: {missing}")
        return self


class HotlineConfig(TableChannel):
    pass


class ReportBoxConfig(TableChannel):
    anonymous_markers: list[str] = Field(default_factory=lambda: ["匿名"])
    letter_file_placeholders: list[str] = Field(default_factory=list)
    expect_letter_files: bool = False
    min_openers: int = Field(default=2, ge=1)
    letter_extensions: list[str] = Field(default_factory=lambda: ["txt", "docx"])


class OnlineApiConfig(_Strict):
    path: str = "/messages"
    page_size: int = Field(default=200, ge=1, le=10_000)
    timeout_s: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    backoff_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=8.0, ge=0)


class OnlineConfig(_Strict):
    fields: dict[str, str]
    required: list[str]
    api: OnlineApiConfig = Field(default_factory=OnlineApiConfig)


class ChannelConfig(_Strict):
    version: int
    hotline: HotlineConfig
    report_box: ReportBoxConfig
    online: OnlineConfig


def channels_path(data_dir: Path) -> Path:
    return Path(data_dir) / "channels.yaml"


def load_channel_config(path: Path) -> ChannelConfig:
    """Read and validate the channel configuration; raises ``pydantic.ValidationError`` on a bad file."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        return ChannelConfig.model_validate(yaml.safe_load(fh))
