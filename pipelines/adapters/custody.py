"""Chain of custody of report-box openings: letters logged vs letter files present vs seals.

Pure bookkeeping: the report-box adapter feeds each log row in, the result is the ``SourceFile.custody``
JSON of the log and a list of issues (codes, with Chinese names for the report).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ISSUE_ZH: dict[str, str] = {
    "seal_missing": "未记录封条号",
    "multiple_seals": "同一次开箱记录了多个封条号",
    "seal_reused": "封条号与其他开箱重复",
    "missing_letter_file": "登记的信件缺少原件文件",
    "orphan_letter_file": "有信件文件但登记簿无记录",
    "too_few_openers": "开箱人数不足",
}

_OPENER_SPLIT = re.compile(r"[、,，/;；\s]+")


def count_openers(value: object) -> int:
    text = "" if value is None else str(value).strip()
    return len([p for p in _OPENER_SPLIT.split(text) if p]) if text else 0


@dataclass
class Opening:
    box: str
    opened_at: str
    seals: set[str] = field(default_factory=set)
    seal_missing: int = 0
    letters: list[str] = field(default_factory=list)
    files_expected: list[str] = field(default_factory=list)
    files_present: list[str] = field(default_factory=list)
    openers: int = 0

    def issues(self, min_openers: int, reused: set[str]) -> list[str]:
        found = []
        if self.seal_missing or not self.seals:
            found.append("seal_missing")
        if len(self.seals) > 1:
            found.append("multiple_seals")
        if self.seals & reused:
            found.append("seal_reused")
        if self.missing_files:
            found.append("missing_letter_file")
        if self.openers < min_openers:
            found.append("too_few_openers")
        return found

    @property
    def missing_files(self) -> list[str]:
        present = set(self.files_present)
        return [x for x in self.files_expected if x not in present]


class CustodyLedger:
    """Collects the rows of one log file, grouped by opening (box number + opening time)."""

    def __init__(self, log_name: str, min_openers: int = 2) -> None:
        self.log_name = log_name
        self.min_openers = min_openers
        self._openings: dict[tuple[str, str], Opening] = {}

    def add(self, *, letter_id: str, box: object, opened_at: object, seal: object, openers: object,
            file_expected: bool, file_present: bool) -> None:
        key = (_text(box), _when(opened_at))
        opening = self._openings.setdefault(key, Opening(*key))
        opening.letters.append(letter_id)
        seal_text = _text(seal)
        if seal_text:
            opening.seals.add(seal_text)
        else:
            opening.seal_missing += 1
        opening.openers = max(opening.openers, count_openers(openers))
        if file_expected:
            opening.files_expected.append(letter_id)
        if file_present:
            opening.files_present.append(letter_id)

    def result(self) -> dict:
        """The custody JSON of the log: one entry per opening, plus the log's issue codes."""
        owners: dict[str, set[tuple[str, str]]] = {}
        for key, opening in self._openings.items():
            for seal in opening.seals:
                owners.setdefault(seal, set()).add(key)
        reused = {seal for seal, keys in owners.items() if len(keys) > 1}
        openings = []
        for opening in self._openings.values():
            openings.append({
                "box": opening.box,
                "opened_at": opening.opened_at,
                "seals": sorted(opening.seals),
                "letters_logged": len(opening.letters),
                "files_expected": len(opening.files_expected),
                "files_present": len(opening.files_present),
                "missing_files": opening.missing_files,
                "openers": opening.openers,
                "issues": opening.issues(self.min_openers, reused),
            })
        issues = sorted({i for o in openings for i in o["issues"]})
        return {"kind": "report_box_log", "log": self.log_name, "openings": openings, "issues": issues,
                "ok": not issues}


def letter_custody(letter_id: str, logged_ids: Iterable[str]) -> dict:
    """Custody JSON of one letter file: whether some log of the same directory registers it."""
    logged = letter_id in set(logged_ids)
    return {"kind": "letter_file", "letter_id": letter_id, "logged": logged,
            "issues": [] if logged else ["orphan_letter_file"], "ok": logged}


def _when(value: object) -> str:
    """An opening time as ``YYYY-MM-DD HH:MM`` when it parses, else as written (so rows still group)."""
    from pipelines.records import parse_time

    try:
        return parse_time(value, "Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return _text(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value).strip()
