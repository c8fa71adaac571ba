"""Request and response bodies of the API (layered: shared bases, then requests, then public views).

Text limits that depend on settings (characters per text, items per batch) are checked in the routes;
what is fixed (non-empty, valid Unicode, no NUL) is checked here, with Chinese messages.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from qingfeng.codes import Agency, Category, Channel


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("文本含有非法的空字符 (NUL)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("文本含有无效的 Unicode 字符（孤立代理项）") from None
    return value


def _plausible_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        year = value.astimezone(timezone.utc).year if value.tzinfo is not None else value.year
    except (OverflowError, ValueError):
        year = value.year
    if not 2000 <= year < 2100:
        raise ValueError("受理时间须在 2000 年至 2099 年之间")
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("文本不能为空或只含空白字符")
    return value


CleanStr = Annotated[str, AfterValidator(_clean)]
ComplaintText = Annotated[str, Field(min_length=1, description="投诉原文（服务端脱敏；长度上限见 api_max_text_chars）"),
                          AfterValidator(_clean), AfterValidator(_non_blank)]
SourceId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"\S"), AfterValidator(_clean)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- triage -----------------------------------------------------------------------------------------

class TriageRequest(_Request):
    text: ComplaintText
    channel: Channel | None = Field(default=None, description="受理渠道；影响复核阈值")
    source_id: SourceId | None = Field(default=None, description="调用方自己的编号，原样返回")


class TriageBatchRequest(_Request):
    items: list[TriageRequest] = Field(min_length=1, description="最多 api_batch_max_items 条")


class EvidenceSpan(BaseModel):
    label: str
    start: int
    end: int
    text: str


class TriageOut(BaseModel):
    """The fields of ``qingfeng classify`` output, with Chinese names beside the codes."""

    categories: list[str]
    categories_zh: list[str]
    category_scores: dict[str, float]
    agencies: list[str]
    agencies_zh: list[str]
    agency_scores: dict[str, float]
    sub_units: list[str]
    handler: str | None
    needs_review: bool
    review_reasons: list[str] = Field(default_factory=list)
    evidence: list[EvidenceSpan]
    model_version: str


class TriageResponse(TriageOut):
    request_id: str
    source_id: str | None = None


class TriageBatchItem(TriageOut):
    source_id: str | None = None


class TriageBatchResponse(BaseModel):
    request_id: str
    items: list[TriageBatchItem]


# --- complaints -------------------------------------------------------------------------------------

class ReporterIn(_Request):
    """举报人联系方式：只存入受限表，任何响应都不会返回。"""

    name: Annotated[CleanStr, Field(max_length=128)] | None = None
    phone: Annotated[CleanStr, Field(max_length=32, pattern=r"^[0-9+\-() ]{3,32}$")] | None = None


class ComplaintCreate(_Request):
    text: ComplaintText
    channel: Channel
    source_id: SourceId = Field(description="调用方的唯一编号；同一渠道同一编号重复提交只保存一次")
    received_at: Annotated[datetime | None, AfterValidator(_plausible_time)] = Field(
        default=None, description="受理时间（ISO 8601；无时区按本地时间）；缺省为服务器当前时间")
    location: Annotated[CleanStr, Field(max_length=128)] | None = None
    reporter: ReporterIn | None = None


class ComplaintPublic(BaseModel):
    request_id: str
    complaint_id: int
    case_id: int | None
    created: bool = Field(description="本次是否新建（false 表示同一渠道编号已提交过）")
    triage: TriageOut | None


# --- review queue and labels ------------------------------------------------------------------------

class ReviewItem(BaseModel):
    complaint_id: int
    case_id: int | None
    channel: str
    received_at: datetime
    text: str = Field(description="脱敏后的文本")
    triage: TriageOut


class ReviewPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ReviewItem]


class LabelCreate(_Request):
    complaint_id: int = Field(ge=1, le=2_147_483_647)  # the INTEGER primary key
    categories: list[Category] | None = Field(default=None, description="人工认定的问题类别（可为空列表：不属于受理范围）")
    agencies: list[Agency] | None = Field(default=None, description="人工认定的被反映单位")

    @model_validator(mode="after")
    def _something(self) -> LabelCreate:
        if self.categories is None and self.agencies is None:
            raise ValueError("请至少提供 categories 或 agencies 之一")
        return self


class LabelPublic(BaseModel):
    task: str
    value: list[str]
    provenance: str = Field(description="human_confirmed（与模型预测一致）或 human_corrected（更正了预测）")
    model_version: str | None


class LabelsPublic(BaseModel):
    request_id: str
    complaint_id: int
    annotator: str
    stored: int = Field(description="新保存的标签数（与该标注人上一次相同的标签不重复保存）")
    labels: list[LabelPublic]


# --- operations -------------------------------------------------------------------------------------

class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    model_version: str | None
    database: bool


class ReloadResult(BaseModel):
    request_id: str
    previous_model_version: str | None
    model_version: str
    changed: bool
