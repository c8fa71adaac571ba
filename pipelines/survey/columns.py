"""Map a questionnaire export's column headers onto the canonical survey fields (pure).

Headers are matched after normalisation (NFKC, lower case, no spaces, bracketed notes such as
``（1-5分）`` removed), first exactly against known names, then by the keywords below in a fixed order
(the open question "您对该单位的作风和服务有何评价和建议" must win over "单位", 总体满意度 over 满意).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

LIKERT_ITEMS = ("效率", "态度", "公正", "廉洁")  # plus 总体满意度 (the ``score`` field)
FIELDS = ("id", "respondent", "unit", "efficiency", "attitude", "fairness", "integrity", "score", "choice", "text")
ITEM_FIELD = {"效率": "efficiency", "态度": "attitude", "公正": "fairness", "廉洁": "integrity"}

_EXACT: dict[str, str] = {
    "id": "id", "编号": "id", "序号": "id", "问卷编号": "id", "答卷编号": "id", "样本编号": "id", "response_id": "id",
    "respondent": "respondent", "enterprise": "respondent", "company": "respondent", "企业": "respondent",
    "企业名称": "respondent", "受访企业": "respondent", "填报企业": "respondent", "答卷企业": "respondent",
    "unit": "unit", "agency": "unit", "单位": "unit", "被评单位": "unit", "被评价单位": "unit", "评价单位": "unit",
    "被评议单位": "unit", "测评单位": "unit", "评议单位": "unit", "评价对象": "unit", "政法单位": "unit",
    "efficiency": "efficiency", "attitude": "attitude", "fairness": "fairness", "integrity": "integrity",
    "score": "score", "overall": "score", "总体满意度": "score", "总体满意度评分": "score", "总分": "score",
    "choice": "choice", "satisfaction": "choice", "满意程度": "choice", "满意度评价": "choice",
    "是否满意": "choice", "满意度": "choice", "评价等次": "choice", "总体评价": "choice",
    "text": "text", "comment": "text", "answer": "text", "意见建议": "text", "开放回答": "text", "留言": "text",
}
# (field, keywords) in priority order for headers that are not an exact match
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("text", ("建议", "意见", "开放", "留言", "评价和", "评语", "回答", "answer", "comment", "text", "feedback", "remark")),
    ("id", ("编号",)),
    ("efficiency", ("效率", "efficiency")),
    ("attitude", ("态度", "attitude")),
    ("fairness", ("公正", "fairness")),
    ("integrity", ("廉洁", "integrity")),
    ("score", ("总体满意度", "总体得分", "总体评分", "overall")),
    ("choice", ("满意", "satisf", "rating")),
    ("unit", ("被评", "评价对象", "测评对象", "政法机关", "政法单位")),
    ("respondent", ("企业", "受访", "respondent", "enterprise", "company")),
    ("unit", ("单位", "部门", "机关", "unit", "agency", "department")),
)
_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")


class ColumnError(ValueError):
    """The export lacks a column scoring cannot do without."""


def normalise_header(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header or "")).strip().lower().lstrip("\ufeff")
    text = _BRACKETS.sub("", text)
    return re.sub(r"[\s:：?？*＊]", "", text)


def field_for(header: object) -> str | None:
    key = normalise_header(header)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    for name, words in _KEYWORDS:
        if any(w in key for w in words):
            return name
    return None


def map_columns(headers: Sequence[object]) -> dict[str, int]:
    """Canonical field -> column index (the first column that maps to a field wins).

    Raises ``ColumnError`` when there is no unit column, or neither a rating (tick or 总体满意度) nor an
    open answer."""
    mapping: dict[str, int] = {}
    for i, header in enumerate(headers):
        name = field_for(header)
        if name and name not in mapping:
            mapping[name] = i
    shown = "、".join(str(h) for h in headers)
    if "unit" not in mapping:
        raise ColumnError(f"问卷导出缺少“被评单位”列 (no unit column); 表头为: {shown}")
    if not {"score", "choice"} & set(mapping):
        raise ColumnError(f"问卷导出缺少“总体满意度”或“满意程度”列 (no rating column); 表头为: {shown}")
    return mapping
