"""The unit a survey answer evaluates: an agency code, or a Chinese name resolved via data/agencies.yaml."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from qingfeng.codes import AGENCY_CODES, AGENCY_ZH

_PREFIXES = ("中共", "鸡冠区委", "鸡冠区", "鸡冠", "区委", "区")


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


class UnitNames:
    """Name → agency code. Built from the agency directory's names, aliases and sub-units (a 派出所 or
    司法所 counts for its organ); the district prefix (鸡冠区/区/区委) is optional."""

    def __init__(self, agencies_doc: dict) -> None:
        self._names: dict[str, str] = {}
        district = str(agencies_doc.get("district", ""))
        self._prefixes = tuple(sorted({district, district + "委", *_PREFIXES} - {"", "委"}, key=len, reverse=True))
        for code in AGENCY_CODES:
            self._add(code, code)
            self._add(code.replace("_", ""), code)
            self._add(AGENCY_ZH[code], code)
        for agency in agencies_doc.get("agencies", []):
            code = agency["code"]
            for name in [agency.get("name_zh", ""), *agency.get("aliases", [])]:
                self._add(name, code)
            for sub in agency.get("sub_units", []):
                for name in [sub["name"], *sub.get("aliases", [])]:
                    self._add(name, code)

    def _add(self, name: str, code: str) -> None:
        if name:
            self._names.setdefault(_key(name), code)
            self._names.setdefault(self._strip(_key(name)), code)

    def _strip(self, key: str) -> str:
        changed = True
        while changed:
            changed = False
            for prefix in self._prefixes:
                if key.startswith(prefix) and len(key) > len(prefix) + 1:
                    key, changed = key[len(prefix):], True
        return key

    def resolve(self, text: object) -> str | None:
        """The agency code for ``text`` or None when it names no known unit.

        Exact names first (with or without the district prefix), then containment: a text that holds a
        known name (``区公安分局治安大队``) or is part of one (``公安``, ``检察``) resolves when every such
        name belongs to the same organ; anything ambiguous stays unresolved."""
        key = _key(str(text or "")).replace("-", "_")
        if not key:
            return None
        exact = self._names.get(key) or self._names.get(self._strip(key)) or self._names.get(key.replace("_", ""))
        if exact or len(key) < 2:
            return exact
        stripped = self._strip(key)
        codes = {code for name, code in self._names.items()
                 if len(name) >= 2 and (name in key or stripped in name)}
        return codes.pop() if len(codes) == 1 else None

    @classmethod
    def from_file(cls, path: Path) -> UnitNames:
        import yaml

        return cls(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
