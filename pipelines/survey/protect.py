"""Protecting free text from a survey: respondent names become their pseudonyms, personal data is masked."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from classifiers.pii import redact
from pipelines.survey.pseudonym import pseudonym

_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司")


def name_forms(name: str) -> list[str]:
    """The forms of an enterprise name to look for in free text: the full name and, without its company
    suffix, the core name (鑫达建材有限公司 → 鑫达建材) when that is at least three characters."""
    name = name.strip()
    forms = [name] if len(name) >= 2 else []
    for suffix in _COMPANY_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 3:
            forms.append(name[: -len(suffix)])
            break
    return forms


def protect_text(text: str, aliases: dict[str, str]) -> str:
    """Replace every known respondent name (``aliases``: name form → pseudonym, longest first) by its
    pseudonym, then mask personal data."""
    for form in sorted(aliases, key=len, reverse=True):
        text = text.replace(form, aliases[form])
    return redact(text).text


def respondent_aliases(names: Iterable[Any], key: bytes) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for raw in names:
        name = unicodedata.normalize("NFKC", str(raw or "")).strip()
        alias = pseudonym(name, key)
        if alias:
            for form in name_forms(name):
                aliases.setdefault(form, alias)
    return aliases
