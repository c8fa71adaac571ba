"""Typed loaders for the domain data files: data/taxonomy.yaml and data/agencies.yaml.

The pydantic models are the schema: a file that does not fit fails loudly with the path and field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qingfeng.codes import AGENCY_CODES, CATEGORY_CODES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryDef(_Strict):
    code: str
    name_zh: str
    serious: bool
    definition_zh: str
    indicators_zh: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in CATEGORY_CODES:
            raise ValueError(f"unknown category code {v!r}")
        return v


class Boundary(_Strict):
    between: tuple[str, str]
    rule_zh: str


class Escalation(_Strict):
    serious_categories: list[str]
    channel_zh: str


class Taxonomy(_Strict):
    version: int
    source: str
    categories: list[CategoryDef]
    boundaries: list[Boundary]
    escalation: Escalation

    @model_validator(mode="after")
    def _all_six(self) -> Taxonomy:
        codes = [c.code for c in self.categories]
        if sorted(codes) != sorted(CATEGORY_CODES):
            raise ValueError(f"taxonomy must define exactly the six categories, got {codes}")
        for b in self.boundaries:
            if not set(b.between) <= set(CATEGORY_CODES):
                raise ValueError(f"boundary between unknown codes {b.between}")
        return self

    def by_code(self) -> dict[str, CategoryDef]:
        return {c.code: c for c in self.categories}


class SubUnit(_Strict):
    name: str
    kind: str
    aliases: list[str] = Field(default_factory=list)


class Handler(_Strict):
    name_zh: str
    role: str


class AgencyDef(_Strict):
    code: str
    name_zh: str
    aliases: list[str]
    role_words: list[str]
    sub_units: list[SubUnit]
    generic_unit_words: list[str] = Field(default_factory=list)
    handlers: list[Handler]

    @field_validator("code")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in AGENCY_CODES:
            raise ValueError(f"unknown agency code {v!r}")
        return v

    def surface_forms(self) -> list[tuple[str, str, str | None]]:
        """Every string that names this organ: ``(form, kind, sub_unit_name)``."""
        forms: list[tuple[str, str, str | None]] = [(self.name_zh, "name", None)]
        forms += [(a, "alias", None) for a in self.aliases]
        forms += [(r, "role", None) for r in self.role_words]
        forms += [(g, "unit", None) for g in self.generic_unit_words]
        for su in self.sub_units:
            forms.append((su.name, "sub_unit", su.name))
            forms += [(a, "sub_unit", su.name) for a in su.aliases]
        return forms


class PassingMarkers(_Strict):
    appeal: list[str]
    tag_prefix: list[str]


class AgencyDirectory(_Strict):
    version: int
    district: str
    agencies: list[AgencyDef]
    passing_markers: PassingMarkers

    @model_validator(mode="after")
    def _all_five(self) -> AgencyDirectory:
        codes = [a.code for a in self.agencies]
        if sorted(codes) != sorted(AGENCY_CODES):
            raise ValueError(f"agency directory must define exactly the five organs, got {codes}")
        return self

    def by_code(self) -> dict[str, AgencyDef]:
        return {a.code: a for a in self.agencies}


def _read_yaml(path: Path) -> dict:
    with Path(path).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=8)
def load_taxonomy(path: Path) -> Taxonomy:
    return Taxonomy.model_validate(_read_yaml(path))


@lru_cache(maxsize=8)
def load_agencies(path: Path) -> AgencyDirectory:
    return AgencyDirectory.model_validate(_read_yaml(path))
