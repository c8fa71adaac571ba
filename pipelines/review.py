"""The review queue: what the model was unsure about (plus a seeded audit sample of confident items),
exported for analysts as an XLSX or CSV sheet with empty columns to correct.

Selection is a pure function of stored rows; ``export_review`` does the I/O. The sheet's columns are the
contract with ``pipelines.review_import``:

    complaint_id, channel, received_at, reason, text, predicted_categories, category_scores,
    predicted_agencies, agency_scores, model_version, confirm, corrected_categories, corrected_agencies,
    annotator, note
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.pii import redact
from qingfeng.codes import AGENCY_ZH, CATEGORY_ZH
from qingfeng.storage import audit
from qingfeng.storage.tables import Complaint, Label, TriageResult

HUMAN_PROVENANCES = ("human_confirmed", "human_corrected")
COLUMNS: tuple[str, ...] = (
    "complaint_id", "channel", "received_at", "reason", "text", "predicted_categories", "category_scores",
    "predicted_agencies", "agency_scores", "model_version", "confirm", "corrected_categories",
    "corrected_agencies", "annotator", "note",
)
EDITABLE_COLUMNS = ("confirm", "corrected_categories", "corrected_agencies", "annotator", "note")
REASON_ZH = {"needs_review": "模型不确定，待复核", "audit": "随机抽检（模型较确定）"}
COLUMN_HELP_ZH: dict[str, str] = {
    "complaint_id": "投诉编号（请勿修改）",
    "reason": "进入复核的原因：needs_review=模型不确定；audit=随机抽检",
    "text": "投诉内容（个人信息已遮蔽）",
    "predicted_categories": "模型预测的问题类别（代码，逗号分隔；空=不属受理范围）",
    "predicted_agencies": "模型预测的被反映单位（代码）",
    "confirm": "预测全部正确时填“是”，此时更正列留空",
    "corrected_categories": "更正后的类别：填代码或中文名称，多个用逗号或顿号分隔；不属受理范围填“无”；留空=与预测一致",
    "corrected_agencies": "更正后的单位：同上；无相关单位填“无”；留空=与预测一致",
    "annotator": "标注人姓名（也可在导入时用 --annotator 统一指定）",
    "note": "备注（可选）",
}
_FORMULA_START = ("=", "+", "-", "@")


class ReviewExportError(ValueError):
    pass


@dataclass(frozen=True)
class ReviewItem:
    complaint_id: int
    channel: str
    received_at: datetime
    reason: str  # needs_review | audit
    text: str
    categories: list[str]
    category_scores: dict[str, float]
    agencies: list[str]
    agency_scores: dict[str, float]
    model_version: str

    def as_row(self) -> dict[str, str]:
        return {
            "complaint_id": str(self.complaint_id), "channel": self.channel,
            "received_at": self.received_at.strftime("%Y-%m-%d %H:%M"), "reason": self.reason,
            "text": redact(self.text).text, "predicted_categories": ",".join(self.categories),
            "category_scores": format_scores(self.category_scores), "predicted_agencies": ",".join(self.agencies),
            "agency_scores": format_scores(self.agency_scores), "model_version": self.model_version,
            **{c: "" for c in EDITABLE_COLUMNS},
        }


def format_scores(scores: dict[str, float]) -> str:
    return "; ".join(f"{k}={float(v):.2f}" for k, v in sorted(scores.items(), key=lambda kv: -float(kv[1])))


def audit_selected(complaint_id: int, seed: int, rate: float) -> bool:
    """A stable coin flip per complaint: the same seed and rate always pick the same items."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"{seed}:{complaint_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def time_window(on_date: date | None, since: datetime | None) -> tuple[datetime | None, datetime | None]:
    """``--date D`` → [D, D+1); ``--since T`` → [T, ∞); neither → everything. Both is an error."""
    if on_date is not None and since is not None:
        raise ReviewExportError("--date 与 --since 只能指定一个")
    if on_date is not None:
        start = datetime.combine(on_date, datetime.min.time())
        return start, start + timedelta(days=1)
    return since, None


def select_review_items(session: Session, *, start: datetime | None = None, end: datetime | None = None,
                        audit_rate: float = 0.05, seed: int = 0, include_labelled: bool = False) -> list[ReviewItem]:
    """The newest triage result of each complaint received in [start, end): the uncertain ones, and a
    seeded ``audit_rate`` sample of the confident ones. Complaints a person has already labelled are left
    out unless ``include_labelled``."""
    newest = (select(TriageResult.complaint_id, func.max(TriageResult.id).label("tid"))
              .group_by(TriageResult.complaint_id).subquery())
    query = (select(Complaint, TriageResult).join(newest, newest.c.complaint_id == Complaint.id)
             .join(TriageResult, TriageResult.id == newest.c.tid))
    if start is not None:
        query = query.where(Complaint.received_at >= start)
    if end is not None:
        query = query.where(Complaint.received_at < end)
    if not include_labelled:
        labelled = select(Label.complaint_id).where(Label.provenance.in_(HUMAN_PROVENANCES),
                                                    Label.complaint_id.is_not(None))
        query = query.where(Complaint.id.not_in(labelled))
    items = []
    for complaint, result in session.execute(query.order_by(Complaint.received_at, Complaint.id)):
        if result.needs_review:
            reason = "needs_review"
        elif audit_selected(complaint.id, seed, audit_rate):
            reason = "audit"
        else:
            continue
        items.append(ReviewItem(complaint.id, complaint.channel, complaint.received_at, reason, complaint.text,
                                list(result.categories or []), dict(result.category_scores or {}),
                                list(result.agencies or []), dict(result.agency_scores or {}), result.model_version))
    return sorted(items, key=lambda i: (i.reason != "needs_review", i.received_at, i.complaint_id))


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from reading a complaint text as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(path: Path, rows: Sequence[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _safe_cell(v) for k, v in row.items()})


def write_xlsx(path: Path, rows: Sequence[dict[str, str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    sheet = wb.active
    sheet.title = "待复核"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a text, never a formula
    editable = PatternFill("solid", fgColor="FFF2CC")
    for index, name in enumerate(COLUMNS, 1):
        letter = sheet.cell(1, index).column_letter
        sheet.cell(1, index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = {"text": 80, "category_scores": 36, "agency_scores": 36}.get(name, 18)
        if name in EDITABLE_COLUMNS:
            sheet.cell(1, index).fill = editable
    for row in sheet.iter_rows(min_row=2, min_col=COLUMNS.index("text") + 1, max_col=COLUMNS.index("text") + 1):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    legend = wb.create_sheet("说明")
    legend.append(["列 / 代码", "说明"])
    for name, text in COLUMN_HELP_ZH.items():
        legend.append([name, text])
    legend.append([])
    legend.append(["类别代码", "中文名称"])
    for code, name in CATEGORY_ZH.items():
        legend.append([code, name])
    legend.append([])
    legend.append(["单位代码", "中文名称"])
    for code, name in AGENCY_ZH.items():
        legend.append([code, name])
    legend.column_dimensions["A"].width = 28
    legend.column_dimensions["B"].width = 90
    wb.save(path)


def write_sheet(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """XLSX or CSV by the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ReviewExportError(f"不支持的文件类型 {suffix or '(无扩展名)'}：请使用 .xlsx 或 .csv")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    (write_xlsx if suffix == ".xlsx" else write_csv)(Path(path), rows)


def export_review(session: Session, path: Path, *, on_date: date | None = None, since: datetime | None = None,
                  audit_rate: float = 0.05, seed: int = 0, include_labelled: bool = False,
                  actor: str = "cli") -> list[ReviewItem]:
    """Select the review items, write the sheet, and note the export in the audit log."""
    start, end = time_window(on_date, since)
    items = select_review_items(session, start=start, end=end, audit_rate=audit_rate, seed=seed,
                                include_labelled=include_labelled)
    write_sheet(Path(path), [item.as_row() for item in items])
    audit.record(session, actor=actor, action="review_export", target=str(path), n_items=len(items),
                 n_needs_review=sum(i.reason == "needs_review" for i in items),
                 n_audit=sum(i.reason == "audit" for i in items), audit_rate=audit_rate, seed=seed,
                 start=start.isoformat() if start else None, end=end.isoformat() if end else None)
    return items
