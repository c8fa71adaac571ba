"""Survey rows → answers or rejections (pure: no files, no database).

An answer keeps only what scoring needs, already protected: the respondent as a pseudonym, the open
answer PII-redacted (with the respondent's own name replaced by its pseudonym). A rejected row keeps
its raw values for repair, protected the same way, with a reason code and a Chinese detail.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from classifiers.pii import redact
from pipelines.survey.columns import FIELDS, field_for, map_columns
from pipelines.survey.protect import protect_text, respondent_aliases
from pipelines.survey.pseudonym import keyed_digest, pseudonym
from pipelines.survey.unit_names import UnitNames

LIKERT_FIELDS = ("efficiency", "attitude", "fairness", "integrity")
_CHOICE_WORDS = {
    "满意": "满意", "非常满意": "满意", "很满意": "满意", "十分满意": "满意",
    "基本满意": "基本满意", "比较满意": "基本满意", "较满意": "基本满意",
    "不满意": "不满意", "很不满意": "不满意", "非常不满意": "不满意", "不太满意": "不满意",
}
_SCORE = re.compile(r"^([1-5])(?:\.0+)?\s*分?$")

REASON_ZH = {
    "missing_unit": "缺少被评单位",
    "unknown_unit": "被评单位无法识别",
    "bad_score": "评分不是 1–5 的整数",
    "bad_choice": "满意程度不是 满意/基本满意/不满意",
    "missing_rating": "既无满意程度勾选也无总体满意度评分",
    "text_too_long": "开放回答超长",
    "malformed_json": "JSON 格式错误",
    "source_id_conflict": "编号重复但内容不同",
    "bad_peer_row": "互评分数行无效",
}


@dataclass(frozen=True)
class ParsedAnswer:
    source_id: str
    respondent: str | None
    unit: str
    score: int | None
    items: dict[str, int]
    choice: str | None
    text: str
    row: int
    source_file: str | None = None

    def content(self) -> dict[str, Any]:
        """What identifies the answer's content (re-ingesting the same content is a no-op)."""
        return {"respondent": self.respondent, "unit": self.unit, "score": self.score, "items": self.items,
                "choice": self.choice, "text": self.text}


@dataclass(frozen=True)
class SurveyRejection:
    reason: str
    detail: str
    raw: str
    source_id: str | None = None
    source_file: str | None = None
    row: int | None = None


@dataclass
class ParseOutcome:
    answers: list[ParsedAnswer] = field(default_factory=list)
    rejections: list[SurveyRejection] = field(default_factory=list)
    blank_rows: int = 0


@dataclass(frozen=True)
class ParseContext:
    key: bytes
    names: UnitNames
    max_text_chars: int = 20_000
    source_file: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # respondent name forms in this file → pseudonym


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _text(value: Any) -> str:
    """Free text as written (no NFKC: full-width punctuation stays), trimmed."""
    return "" if value is None else str(value).strip()


def parse_score(value: Any) -> int | None:
    """1..5 or None for blank; raises ValueError otherwise."""
    text = _cell(value)
    if not text:
        return None
    m = _SCORE.match(text)
    if not m:
        raise ValueError(text)
    return int(m.group(1))


def parse_choice(value: Any) -> str | None:
    text = _cell(value).replace(" ", "")
    if not text:
        return None
    if text not in _CHOICE_WORDS:
        raise ValueError(text)
    return _CHOICE_WORDS[text]


def _protected_raw(raw: dict[str, Any], fields: dict[str, str], ctx: ParseContext) -> str:
    """The raw row for quarantine: respondent pseudonymised, free text PII-masked."""
    out: dict[str, Any] = {}
    name = next((_cell(v) for k, v in raw.items() if fields.get(k) == "respondent"), "")
    aliases = {**ctx.aliases, **respondent_aliases([name], ctx.key)}
    for k, v in raw.items():
        if fields.get(k) == "respondent":
            out[k] = pseudonym(name, ctx.key)
        elif isinstance(v, str) and v:
            out[k] = protect_text(v, aliases)
        else:
            out[k] = v
    return json.dumps(out, ensure_ascii=False, sort_keys=True, default=str)


def parse_record(raw: dict[str, Any], fields: dict[str, str], row: int, ctx: ParseContext
                 ) -> ParsedAnswer | SurveyRejection | None:
    """One row (raw header -> value; ``fields`` maps header -> canonical field). None for a blank row."""
    if not any(_cell(v) for v in raw.values()):
        return None
    values = {f: raw[h] for h, f in fields.items() if h in raw}
    given_id = _cell(values.get("id"))
    payload = _protected_raw(raw, fields, ctx)

    def reject(reason: str, detail: str) -> SurveyRejection:
        return SurveyRejection(reason, f"第 {row} 行：{REASON_ZH[reason]}（{detail}）", payload,
                               given_id or None, ctx.source_file, row)

    unit_text = _cell(values.get("unit"))
    if not unit_text:
        return reject("missing_unit", "被评单位为空")
    unit = ctx.names.resolve(unit_text)
    if unit is None:
        return reject("unknown_unit", unit_text)
    items: dict[str, int] = {}
    for name in LIKERT_FIELDS:
        try:
            if (item := parse_score(values.get(name))) is not None:
                items[name] = item
        except ValueError as exc:
            return reject("bad_score", f"{name}={exc}")
    score, choice = values.get("score"), values.get("choice")
    if _cell(score) in _CHOICE_WORDS and not _cell(choice):  # a 总体评价 column holding ticks
        score, choice = None, score
    if _SCORE.match(_cell(choice)) and not _cell(score):  # a 满意度 column holding 1..5
        score, choice = choice, None
    try:
        score = parse_score(score)
    except ValueError as exc:
        return reject("bad_score", f"总体满意度={exc}")
    try:
        choice = parse_choice(choice)
    except ValueError as exc:
        return reject("bad_choice", str(exc))
    if score is None and choice is None:
        return reject("missing_rating", "满意程度与总体满意度均为空")
    text = _text(values.get("text"))
    if len(text) > ctx.max_text_chars:
        return reject("text_too_long", f"{len(text)} 字，上限 {ctx.max_text_chars} 字")
    name = _cell(values.get("respondent"))
    alias = pseudonym(name, ctx.key)
    text = protect_text(text, {**ctx.aliases, **respondent_aliases([name], ctx.key)})
    source_id = given_id or "r-" + keyed_digest(payload, ctx.key)[:16]
    return ParsedAnswer(source_id, alias, unit, score, items, choice, text, row, ctx.source_file)


def _collect(records: Iterable[ParsedAnswer | SurveyRejection | None], outcome: ParseOutcome) -> ParseOutcome:
    seen: dict[str, ParsedAnswer] = {}
    for rec in records:
        if rec is None:
            outcome.blank_rows += 1
        elif isinstance(rec, SurveyRejection):
            outcome.rejections.append(rec)
        elif rec.source_id in seen and seen[rec.source_id].content() != rec.content():
            first = seen[rec.source_id]
            raw = json.dumps({**rec.content(), "id": rec.source_id}, ensure_ascii=False, sort_keys=True)
            outcome.rejections.append(SurveyRejection(
                "source_id_conflict", f"第 {rec.row} 行：{REASON_ZH['source_id_conflict']}（与第 {first.row} 行同为 "
                f"{rec.source_id}）", raw, rec.source_id, rec.source_file, rec.row))
        elif rec.source_id not in seen:
            seen[rec.source_id] = rec
            outcome.answers.append(rec)
    return outcome


def parse_table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], ctx: ParseContext,
                first_row: int = 2) -> ParseOutcome:
    """Rows of a CSV/XLSX export under ``headers``; raises ``ColumnError`` when key columns are missing."""
    names = [str(h if h is not None else f"列{i + 1}") for i, h in enumerate(headers)]
    mapping = map_columns(names)
    fields = {names[i]: f for f, i in mapping.items()}
    rows = list(rows)
    if "respondent" in mapping:
        col = mapping["respondent"]
        ctx = replace(ctx, aliases={**ctx.aliases, **respondent_aliases(
            (r[col] for r in rows if col < len(r)), ctx.key)})

    def records():
        for offset, row in enumerate(rows):
            raw = {names[i]: (row[i] if i < len(row) else None) for i in range(len(names))}
            yield parse_record(raw, fields, first_row + offset, ctx)

    return _collect(records(), ParseOutcome())


def parse_jsonl(lines: Iterable[str], ctx: ParseContext) -> ParseOutcome:
    """JSON Lines of {"id", "unit", "score", "text"} (score = 总体满意度); other known keys are read too."""
    outcome = ParseOutcome()
    lines = list(lines)
    names = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            names.extend(v for k, v in obj.items() if field_for(k) == "respondent")
    ctx = replace(ctx, aliases={**ctx.aliases, **respondent_aliases(names, ctx.key)})

    def records():
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                masked = redact(line.strip()).text
                yield SurveyRejection("malformed_json", f"第 {number} 行：{REASON_ZH['malformed_json']}（{exc}）",
                                      json.dumps({"line": masked}, ensure_ascii=False), None, ctx.source_file, number)
                continue
            fields: dict[str, str] = {}
            for k in obj:
                if (f := field_for(k)) in FIELDS and f not in fields.values():
                    fields[k] = f
            yield parse_record(obj, fields, number, ctx)

    return _collect(records(), outcome)
