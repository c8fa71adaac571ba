"""The canonical complaint every adapter produces, the rejection it produces instead, and validation.

Adapters map source columns onto the canonical field names (``SourceRow``); ``validate_row`` turns a row
into a ``CanonicalComplaint`` (pydantic schema) or a ``Rejection`` that carries a reason code and the raw
payload, so nothing is lost. Times are stored as naive local time in ``Settings.timezone``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from qingfeng.codes import Channel


class Reason(StrEnum):
    """Why an input was quarantined (``QuarantineItem.reason``)."""

    empty_text = "empty_text"
    bad_time = "bad_time"
    source_id_conflict = "source_id_conflict"
    undecodable = "undecodable"
    malformed_json = "malformed_json"
    text_too_long = "text_too_long"
    missing_column = "missing_column"
    missing_field = "missing_field"
    unreadable_file = "unreadable_file"
    unsupported_file = "unsupported_file"
    unlogged_letter = "unlogged_letter"


REASON_ZH: dict[str, str] = {
    "empty_text": "内容为空",
    "bad_time": "时间无法识别",
    "source_id_conflict": "编号重复但内容不同",
    "undecodable": "文字编码无法识别",
    "malformed_json": "JSON 格式错误",
    "text_too_long": "内容超长",
    "missing_column": "缺少必需列",
    "missing_field": "缺少必填字段",
    "unreadable_file": "文件无法读取",
    "unsupported_file": "不支持的文件类型",
    "unlogged_letter": "登记簿无记录的信件",
}


def payload_hash(channel: str, raw: str) -> str:
    return hashlib.sha256(f"{channel}\n{raw}".encode("utf-8")).hexdigest()


def raw_json(values: dict[str, Any]) -> str:
    """A stable JSON text of a raw row (the quarantine payload and its hash are computed from it)."""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class Rejection:
    """Input that cannot become a complaint, kept whole for repair."""

    channel: str
    reason: Reason
    raw: str
    source_file: str | None = None
    source_id: str | None = None
    detail: str | None = None

    @property
    def payload_hash(self) -> str:
        return payload_hash(self.channel, self.raw)


@dataclass(frozen=True)
class SourceRow:
    """One source record with canonical field names, values still as the source gave them."""

    channel: str
    values: dict[str, Any]
    raw: str
    source_file: str | None = None
    locator: str | None = None  # e.g. "第12行", for the quarantine detail
    extra: dict[str, Any] = field(default_factory=dict)


_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日 %H时%M分", "%Y%m%d%H%M%S", "%Y%m%d %H:%M", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日",
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def parse_time(value: Any, tz: str) -> datetime:
    """Parse a source time into naive local time of ``tz``; raises ``ValueError`` when it cannot."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20_000 < value < 80_000:  # an Excel serial date from a number-formatted cell
            parsed = _EXCEL_EPOCH + timedelta(days=float(value))
        elif 946_684_800 <= value < 4_102_444_800:  # unix seconds, 2000..2100
            parsed = datetime.fromtimestamp(value, ZoneInfo(tz))
        else:
            raise ValueError("number is not a time")
    elif isinstance(value, str):
        parsed = _parse_time_text(re.sub(r"\s+", " ", value.strip()))
    else:
        raise ValueError("unsupported time value")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    if not 2000 <= parsed.year < 2100:
        raise ValueError("time out of range")
    return parsed.replace(microsecond=0)


def _parse_time_text(text: str) -> datetime:
    if not text:
        raise ValueError("empty time")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised time format ({len(text)} chars)")


def _clean_text(value: Any) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


class CanonicalComplaint(BaseModel):
    """A complaint as every channel delivers it. ``text`` is the original (unredacted) text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    source_id: str = Field(min_length=1, max_length=128)
    received_at: datetime
    text: str
    location: str | None = Field(default=None, max_length=128)
    reporter_name: str | None = Field(default=None, max_length=128)
    reporter_phones: tuple[str, ...] = ()
    reporter_other: dict[str, Any] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)
    source_file: str | None = None
    raw: str = ""

    @field_validator("source_id", mode="before")
    @classmethod
    def _source_id(cls, v: Any) -> str:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = _clean_text(v)
        if not text:
            raise PydanticCustomError("missing_field", "编号为空")
        return text

    @field_validator("received_at", mode="before")
    @classmethod
    def _received_at(cls, v: Any, info: ValidationInfo) -> datetime:
        tz = (info.context or {}).get("timezone", "Asia/Shanghai")
        try:
            return parse_time(v, tz)
        except ValueError as exc:
            raise PydanticCustomError("bad_time", "时间无法识别: {why}", {"why": str(exc)}) from None

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, v: Any, info: ValidationInfo) -> str:
        text = _clean_text(v)
        if not text:
            raise PydanticCustomError("empty_text", "内容为空")
        limit = (info.context or {}).get("max_text_chars", 20_000)
        if len(text) > limit:
            raise PydanticCustomError("text_too_long", "内容 {n} 字, 超过上限 {limit}",
                                      {"n": len(text), "limit": limit})
        return text

    @field_validator("location", "reporter_name", mode="before")
    @classmethod
    def _optional_text(cls, v: Any) -> str | None:
        text = _clean_text(v)
        return text or None


@dataclass(frozen=True)
class ValidationContext:
    max_text_chars: int = 20_000
    timezone: str = "Asia/Shanghai"


def _reason_of(error: dict) -> Reason:
    kind = error.get("type", "")
    if kind in Reason.__members__:
        return Reason(kind)
    where = error.get("loc", ("",))[0]
    if kind == "missing" or where == "source_id":
        return Reason.missing_field
    if where == "received_at":
        return Reason.bad_time
    if where == "text":
        return Reason.empty_text
    return Reason.missing_field


def validate_row(row: SourceRow, ctx: ValidationContext) -> CanonicalComplaint | Rejection:
    """The pydantic schema check; the first failing field names the quarantine reason."""
    data = dict(row.values)
    data.setdefault("extra", {})
    data["extra"] = {**row.extra, **data["extra"]}
    data.update(channel=row.channel, source_file=row.source_file, raw=row.raw)
    try:
        return CanonicalComplaint.model_validate(data, context={"max_text_chars": ctx.max_text_chars,
                                                                "timezone": ctx.timezone})
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        order = {"source_id": 0, "text": 1, "received_at": 2}
        errors.sort(key=lambda e: order.get(str(e.get("loc", ("",))[0]), 9))
        first = errors[0]
        source_id = data.get("source_id")
        where = f"{row.locator}: " if row.locator else ""
        return Rejection(row.channel, _reason_of(first), row.raw, row.source_file,
                         _clean_text(source_id) or None, f"{where}{first.get('msg', '')}"[:500])
