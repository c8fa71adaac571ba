"""Hotline: call-centre work-order exports (CSV in UTF-8/BOM/GBK/GB18030, or XLSX)."""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.adapters.tabular import TableRow, table_rows
from pipelines.channels import HotlineConfig
from pipelines.records import (
    CanonicalComplaint,
    Rejection,
    SourceRow,
    ValidationContext,
    raw_json,
    validate_row,
)

CHANNEL = "hotline"


def split_phones(value: object) -> tuple[str, ...]:
    """Caller numbers as exported: one cell may hold several (``139..., 0467-...``)."""
    if value is None:
        return ()
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    parts = [p.strip() for p in text.replace("；", ",").replace(";", ",").replace("，", ",").replace("/", ",")
             .replace("、", ",").split(",")]
    return tuple(p for p in parts if p)


def hotline_source_row(row: TableRow, name: str) -> SourceRow:
    v = row.values
    values = {
        "source_id": v.get("source_id"),
        "received_at": v.get("received_at"),
        "text": v.get("text"),
        "location": v.get("location"),
        "reporter_name": v.get("reporter_name"),
        "reporter_phones": split_phones(v.get("reporter_phone")),
    }
    extra = {"kind": str(v["kind"]).strip()} if v.get("kind") not in (None, "") else {}
    return SourceRow(CHANNEL, values, raw_json(row.raw), name, f"第{row.number}行", extra)


def read_hotline(name: str, data: bytes, config: HotlineConfig,
                 ctx: ValidationContext) -> Iterator[CanonicalComplaint | Rejection]:
    """Canonical complaints (or rejections) out of one hotline export file."""
    for item in table_rows(CHANNEL, name, data, config.columns, config.required):
        if isinstance(item, Rejection):
            yield item
        else:
            yield validate_row(hotline_source_row(item, name), ctx)
