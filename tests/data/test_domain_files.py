"""Data contracts for taxonomy.yaml, agencies.yaml and the lexicon."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from classifiers.segment import read_user_dict
from qingfeng.codes import AGENCY_CODES, CATEGORY_CODES, SERIOUS_CATEGORIES
from qingfeng.directory import AgencyDirectory, Taxonomy, load_agencies, load_taxonomy
from qingfeng.settings import Settings

S = Settings()


def test_taxonomy_validates_and_marks_the_serious_categories():
    tax = load_taxonomy(S.taxonomy_path)
    assert [c.code for c in tax.categories] == list(CATEGORY_CODES)
    assert {c.code for c in tax.categories if c.serious} == SERIOUS_CATEGORIES
    pairs = {frozenset(b.between) for b in tax.boundaries}
    assert frozenset({"low_competence", "inaction_misconduct"}) in pairs


def test_agency_directory_validates_and_separates_handlers():
    directory = load_agencies(S.agencies_path)
    assert sorted(a.code for a in directory.agencies) == sorted(AGENCY_CODES)
    for agency in directory.agencies:
        assert agency.handlers, agency.code
        forms = {f for f, _, _ in agency.surface_forms()}
        assert not forms & {h.name_zh for h in agency.handlers}, "a handler must not count as a mention"


def test_surface_forms_do_not_collide_between_organs():
    directory = load_agencies(S.agencies_path)
    owner: dict[str, str] = {}
    for agency in directory.agencies:
        for form, _, _ in agency.surface_forms():
            assert owner.setdefault(form, agency.code) == agency.code, f"{form} names two organs"


def test_a_broken_taxonomy_is_rejected(tmp_path):
    data = yaml.safe_load(S.taxonomy_path.read_text(encoding="utf-8"))
    data["categories"][0]["code"] = "slowness"
    with pytest.raises(ValidationError):
        Taxonomy.model_validate(data)


def test_a_directory_missing_an_organ_is_rejected():
    data = yaml.safe_load(S.agencies_path.read_text(encoding="utf-8"))
    data["agencies"] = data["agencies"][:4]
    with pytest.raises(ValidationError):
        AgencyDirectory.model_validate(data)


def test_every_lexicon_file_parses():
    files = sorted((S.data_dir / "lexicon").glob("*.txt"))
    assert files
    for path in files:
        if path.name == "userdict.txt":
            assert len(read_user_dict(path)) > 100
