"""The fixed label codes. Keep them exactly: data, models, CLI and API all use these strings."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    low_efficiency = "low_efficiency"
    formalism = "formalism"
    low_competence = "low_competence"
    inaction_misconduct = "inaction_misconduct"
    abuse_for_profit = "abuse_for_profit"
    perverting_justice = "perverting_justice"


class Agency(StrEnum):
    public_security = "public_security"
    court = "court"
    procuratorate = "procuratorate"
    justice_bureau = "justice_bureau"
    political_legal_committee = "political_legal_committee"


class Channel(StrEnum):
    hotline = "hotline"
    report_box = "report_box"
    online = "online"


class Sentiment(StrEnum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"


class Provenance(StrEnum):
    human_confirmed = "human_confirmed"
    human_corrected = "human_corrected"
    model = "model"


CATEGORY_CODES: tuple[str, ...] = tuple(c.value for c in Category)
AGENCY_CODES: tuple[str, ...] = tuple(a.value for a in Agency)
CHANNEL_CODES: tuple[str, ...] = tuple(c.value for c in Channel)
SENTIMENT_CODES: tuple[str, ...] = tuple(s.value for s in Sentiment)
SERIOUS_CATEGORIES: frozenset[str] = frozenset({"abuse_for_profit", "perverting_justice"})

CATEGORY_ZH: dict[str, str] = {
    "low_efficiency": "效率不高、服务质量不优",
    "formalism": "形式主义、官僚主义新表现",
    "low_competence": "能力不强、执法司法公信力不高",
    "inaction_misconduct": "执法司法不作为、乱作为",
    "abuse_for_profit": "以权谋利、弄权勒卡",
    "perverting_justice": "徇私枉法、办人情案关系案金钱案",
}
AGENCY_ZH: dict[str, str] = {
    "public_security": "公安分局",
    "court": "区人民法院",
    "procuratorate": "区人民检察院",
    "justice_bureau": "区司法局",
    "political_legal_committee": "区委政法委",
}
CHANNEL_ZH: dict[str, str] = {"hotline": "热线电话", "report_box": "举报箱", "online": "网上平台"}
SENTIMENT_ZH: dict[str, str] = {"positive": "正面", "neutral": "中性", "negative": "负面"}
