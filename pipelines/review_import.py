"""Importing a filled review sheet: validate every row first, then store all labels in one transaction.

A row is *reviewed* when the analyst marked ``confirm`` or filled a ``corrected_*`` column. For a reviewed
row, each task (categories, agencies) gets a label: the corrected codes when filled, otherwise the
predicted ones. Provenance is ``human_confirmed`` when the label equals the model's prediction and
``human_corrected`` when it differs. Rows nobody touched are skipped. Any error anywhere (unknown code,
unknown complaint, malformed row, missing annotator) aborts the whole import: nothing is half-imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.pii import redact
from pipelines.review import HUMAN_PROVENANCES
from qingfeng.codes import AGENCY_CODES, AGENCY_ZH, CATEGORY_CODES, CATEGORY_ZH
from qingfeng.storage import audit
from qingfeng.storage.tables import Complaint, Label, TriageResult, utcnow

REQUIRED_COLUMNS = ("complaint_id", "corrected_categories", "corrected_agencies", "annotator")
TASK_ZH = {"categories": "类别", "agencies": "单位"}
_EMPTY_SET = {"无", "none", "空", "-", "—", "[]", "out_of_scope", "不属受理范围"}
_TRUE = {"是", "y", "yes", "1", "true", "✓", "√", "确认", "对", "x"}
_FALSE = {"", "否", "n", "no", "0", "false"}
_SPLIT = re.compile(r"[,，、;；/\s]+")


class ReviewImportError(ValueError):
    """The file cannot be imported; ``errors`` lists every problem (Chinese, with row numbers)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("复核文件未导入，共 %d 处问题：\n" % len(errors) + "\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class SheetRow:
    number: int  # row number as the spreadsheet shows it (header = 1)
    cells: dict[str, str]


@dataclass(frozen=True)
class LabelDecision:
    complaint_id: int
    task: str
    value: list[str]
    provenance: str
    annotator: str
    model_version: str | None


@dataclass
class ImportSummary:
    labels: list[LabelDecision] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)  # nothing filled in
    unchanged: int = 0  # same label already stored
    notes: dict[int, str] = field(default_factory=dict)

    @property
    def n_confirmed(self) -> int:
        return sum(d.provenance == "human_confirmed" for d in self.labels)

    @property
    def n_corrected(self) -> int:
        return sum(d.provenance == "human_corrected" for d in self.labels)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


def read_sheet(path: Path) -> list[SheetRow]:
    """Rows of a review sheet (XLSX first worksheet or CSV), header checked. Raises ReviewImportError."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ReviewImportError([f"不支持的文件类型 {suffix or '(无扩展名)'}：请使用 .xlsx 或 .csv"])
    if not path.is_file():
        raise ReviewImportError([f"找不到文件：{path}"])
    from pipelines.adapters.tabular import UnreadableFile, read_csv, read_xlsx
    from pipelines.decoding import Undecodable

    data = path.read_bytes()
    try:
        if suffix == ".xlsx":
            matrix = iter(read_xlsx(data))
        else:
            cells, bad, _ = read_csv(data)
            if bad:
                raise ReviewImportError([f"第 {n} 行：文字编码无法识别" for n, _ in bad])
            matrix = iter(cells)
    except (UnreadableFile, Undecodable) as exc:
        raise ReviewImportError([f"文件无法读取：{exc}"]) from exc
    header = [_cell(h).lstrip("\ufeff") for h in next(matrix, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ReviewImportError([f"第 1 行（表头）：缺少必需列 {', '.join(missing)}（请使用 qingfeng review export 导出的文件）"])
    rows = []
    for number, raw in enumerate(matrix, 2):
        values = [_cell(v) for v in raw]
        if not any(values):
            continue
        if len(values) > len(header) and any(values[len(header):]):
            rows.append(SheetRow(number, {"__extra__": "1"}))
            continue
        rows.append(SheetRow(number, {name: (values[i] if i < len(values) else "") for i, name in enumerate(header) if name}))
    return rows


def _code_table(task: str) -> dict[str, str]:
    codes, names = (CATEGORY_CODES, CATEGORY_ZH) if task == "categories" else (AGENCY_CODES, AGENCY_ZH)
    table = {c.lower(): c for c in codes}
    table.update({names[c]: c for c in codes})
    return table


def parse_codes(text: str, task: str) -> tuple[list[str] | None, list[str]]:
    """(codes, unknown tokens); ``None`` when the cell is empty (not filled). Accepts codes or Chinese names."""
    text = text.strip()
    if not text:
        return None, []
    if text.lower() in _EMPTY_SET:
        return [], []
    table = _code_table(task)
    for name in sorted((k for k in table if not k.isascii()), key=len, reverse=True):
        text = text.replace(name, f" {table[name]} ")  # Chinese names may contain 、 themselves
    codes, unknown = [], []
    for token in (t for t in _SPLIT.split(text) if t):
        code = table.get(token.lower()) or table.get(token)
        if code is None:
            unknown.append(token)
        elif code not in codes:
            codes.append(code)
    return sorted(codes), unknown


def _prediction(session: Session, complaint_id: int, model_version: str) -> TriageResult | None:
    query = select(TriageResult).where(TriageResult.complaint_id == complaint_id)
    if model_version:
        found = session.scalar(query.where(TriageResult.model_version == model_version))
        if found is not None:
            return found
    return session.scalar(query.order_by(TriageResult.id.desc()).limit(1))


def _latest_human(session: Session, complaint_id: int, task: str) -> Label | None:
    return session.scalar(select(Label).where(Label.complaint_id == complaint_id, Label.task == task,
                                              Label.provenance.in_(HUMAN_PROVENANCES))
                          .order_by(Label.created_at.desc(), Label.id.desc()).limit(1))


def validate_rows(session: Session, rows: list[SheetRow], default_annotator: str | None) -> ImportSummary:
    """Every decision of the sheet, or ReviewImportError listing every problem. Reads only."""
    errors: list[str] = []
    summary = ImportSummary()
    seen: dict[int, int] = {}
    for row in rows:
        n, cells = row.number, row.cells
        if "__extra__" in cells:
            errors.append(f"第 {n} 行：单元格多于表头列数，格式错误")
            continue
        raw_id = cells.get("complaint_id", "")
        if not re.fullmatch(r"\d+", raw_id):
            errors.append(f"第 {n} 行：投诉编号 complaint_id “{raw_id}” 不是有效的编号")
            continue
        complaint_id = int(raw_id)
        if complaint_id in seen:
            errors.append(f"第 {n} 行：投诉编号 {complaint_id} 与第 {seen[complaint_id]} 行重复")
            continue
        seen[complaint_id] = n
        confirm_text = cells.get("confirm", "").lower()
        if confirm_text not in _TRUE | _FALSE:
            errors.append(f"第 {n} 行：confirm 列的值“{cells.get('confirm')}”无法识别（确认请填“是”，否则留空）")
            continue
        confirm = confirm_text in _TRUE
        corrected: dict[str, list[str] | None] = {}
        for task in ("categories", "agencies"):
            codes, unknown = parse_codes(cells.get(f"corrected_{task}", ""), task)
            if unknown:
                errors.append(f"第 {n} 行：未知的{TASK_ZH[task]}代码 {'、'.join(unknown)}")
            corrected[task] = codes
        if not confirm and corrected["categories"] is None and corrected["agencies"] is None:
            summary.skipped_rows.append(n)
            continue
        annotator = cells.get("annotator", "") or (default_annotator or "")
        if not annotator:
            errors.append(f"第 {n} 行：未填写标注人（annotator 列，或导入时指定 --annotator）")
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            errors.append(f"第 {n} 行：数据库中没有编号为 {complaint_id} 的投诉")
            continue
        predicted = _prediction(session, complaint_id, cells.get("model_version", ""))
        if predicted is None:
            errors.append(f"第 {n} 行：投诉 {complaint_id} 没有模型分类结果，无法确认")
            continue
        for task in ("categories", "agencies"):
            model_value = sorted(getattr(predicted, task) or [])
            value = corrected[task] if corrected[task] is not None else model_value
            if confirm and value != model_value:
                errors.append(f"第 {n} 行：已标记确认，但更正的{TASK_ZH[task]}与模型预测不同（请二选一）")
                continue
            provenance = "human_confirmed" if value == model_value else "human_corrected"
            summary.labels.append(LabelDecision(complaint_id, task, value, provenance, annotator, predicted.model_version))
        if cells.get("note"):
            summary.notes[complaint_id] = redact(cells["note"]).text
    if errors:
        raise ReviewImportError(errors)
    return summary


def store_labels(session: Session, summary: ImportSummary, *, source: str, actor: str) -> int:
    """Add the labels (skipping ones identical to the latest human label) and one audit entry."""
    now = utcnow()
    stored = 0
    for decision in summary.labels:
        latest = _latest_human(session, decision.complaint_id, decision.task)
        if latest is not None and sorted(latest.value or []) == decision.value and latest.annotator == decision.annotator:
            summary.unchanged += 1
            continue
        complaint = session.get(Complaint, decision.complaint_id)
        session.add(Label(task=decision.task, complaint_id=decision.complaint_id, channel=complaint.channel,
                          text=redact(complaint.text).text, value=decision.value, provenance=decision.provenance,
                          annotator=decision.annotator, model_version=decision.model_version, created_at=now))
        stored += 1
    audit.record(session, actor=actor, action="review_import", target=source, n_labels=stored,
                 n_confirmed=summary.n_confirmed, n_corrected=summary.n_corrected, unchanged=summary.unchanged,
                 skipped_rows=summary.skipped_rows, notes={str(k): v for k, v in summary.notes.items()})
    return stored


def import_review(factory, path: Path, *, annotator: str | None = None, dry_run: bool = False) -> ImportSummary:
    """Read → validate every row → write every label, all in one transaction (an error rolls back all)."""
    from qingfeng.storage.db import session_scope

    rows = read_sheet(Path(path))
    with session_scope(factory) as session:
        summary = validate_rows(session, rows, annotator)
        if not dry_run:
            store_labels(session, summary, source=str(path), actor=annotator or "review_import")
    return summary

