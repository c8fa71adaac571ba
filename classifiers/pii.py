"""Reporter protection: find personal data as character spans and mask it.

Masking keeps the length of the text (each PII character becomes ``*``), so every offset computed on the
original text is valid on the redacted text and the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifiers.spans import Span, merge_overlapping

MASK = "*"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚"
    "鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁"
    "芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
_SURNAME_CLASS = f"[{_SURNAMES}]"
_NAME_MARKERS = (
    "来电人|举报人|投诉人|反映人|署名|联系人|报警人|当事人|申请人|申请执行人|被执行人|署名人|落款|签名|具名|本人叫|我叫|我是|姓名"
)
_NAME_STOP = "反映称说来电的于在因是和与及向找到了称电手联身住家现今曾已要,，。.;；:：!！?？（(、 \n"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("id_number", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")),
    ("bank_card", re.compile(r"(?<!\d)(?:\d{4}[ -]){3,4}\d{1,4}(?!\d)|(?<!\d)(?:62|4\d|5[1-5])\d{14,17}(?!\d)")),
    ("phone", re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")),
    ("landline", re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[- ]?)\d{7,8}(?!\d)")),
    ("plate", re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][·•・\- ]?[A-Za-z0-9]{5,6}(?![A-Za-z0-9])")),
]
_NAME_AFTER_MARKER = re.compile(
    rf"(?:{_NAME_MARKERS})[：:，,\s]*(?P<name>{_SURNAME_CLASS}[\u4e00-\u9fa5][\u4e00-\u9fa5]?)"
)
_NAME_WITH_TITLE = re.compile(
    rf"(?P<name>{_SURNAME_CLASS}[\u4e00-\u9fa5]?)(?=女士|先生|大爷|大妈|阿姨|师傅|老师)"
)
_NAME_ANON = re.compile(rf"{_SURNAME_CLASS}(?:某某|某|xx|XX|××|\*\*)")


@dataclass(frozen=True)
class Redacted:
    text: str
    spans: tuple[Span, ...]

    def values(self, label: str) -> list[str]:
        return [s.text for s in self.spans if s.label == label]


def _trim_name(text: str, start: int, end: int) -> int:
    """Cut a marker-found name at the first stop character (e.g. 来电人张三反映 → 张三)."""
    for i in range(start + 2, end):
        if text[i] in _NAME_STOP:
            return i
    return end


def find_pii(text: str) -> list[Span]:
    """All personal-data spans in ``text`` (non-overlapping, in order)."""
    spans: list[Span] = []
    for label, pattern in _PATTERNS:
        spans.extend(Span(m.start(), m.end(), label, m.group()) for m in pattern.finditer(text))
    for m in _NAME_AFTER_MARKER.finditer(text):
        start, end = m.start("name"), _trim_name(text, m.start("name"), m.end("name"))
        if not _NAME_ANON.fullmatch(text[start:end]):
            spans.append(Span(start, end, "name", text[start:end]))
    for m in _NAME_WITH_TITLE.finditer(text):
        spans.append(Span(m.start("name"), m.end("name"), "name", m.group("name")))
    return merge_overlapping(spans)


def mask(text: str, spans: list[Span] | tuple[Span, ...]) -> str:
    chars = list(text)
    for span in spans:
        for i in range(span.start, span.end):
            if not chars[i].isspace():
                chars[i] = MASK
    return "".join(chars)


def redact(text: str) -> Redacted:
    """Mask every PII span; the redacted text has the same length as ``text``."""
    spans = find_pii(text)
    return Redacted(mask(text, spans), tuple(spans))
