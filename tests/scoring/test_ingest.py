"""Survey ingestion: CSV, XLSX and JSONL exports with bad rows; pseudonyms; redaction; idempotent storage."""

from __future__ import annotations

import json
import os
import stat

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from pipelines.survey import ingest_survey_file, parse_context
from pipelines.survey.columns import ColumnError
from pipelines.survey.files import SurveyFileError, read_peer, read_survey
from pipelines.survey.parse import ParseContext, parse_table
from pipelines.survey.pseudonym import load_or_create_key, pseudonym
from pipelines.survey.unit_names import UnitNames
from qingfeng.settings import PROJECT_ROOT
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import QuarantineItem, SurveyResponse

HEADER = ["问卷编号", "受访企业", "被评单位", "效率", "态度", "公正", "廉洁", "总体满意度（1-5分）", "满意程度",
          "您对该单位的作风和服务有何评价和建议"]
ROWS = [
    ["Q-1", "鑫达建材有限公司", "区人民法院", 1, 2, 2, 3, 1, "不满意", "执行法官不接电话，联系人王建国，手机13812345678打了十次。"],
    ["Q-2", "恒盛物流有限公司", "公安分局", 5, 5, 5, 5, 5, "满意", "鑫达建材有限公司的老板也说窗口服务很好。"],
    ["Q-3", "鑫达建材有限公司", "procuratorate", "", "", "", "", 4, "基本满意", ""],
    ["Q-4", "北方粮油", "区城管局", 3, 3, 3, 3, 3, "基本满意", "城管执法还算规范"],  # unknown unit
    ["Q-5", "北方粮油", "区司法局", 4, 4, 4, 4, 7, "满意", "好"],  # score out of range
    ["Q-6", "北方粮油", "区司法局", 4, 4, 4, 4, 4, "还行吧", "好"],  # unknown tick
    ["Q-7", "北方粮油", "区委政法委", "", "", "", "", "", "", "没意见"],  # no rating at all
    ["", "", "", "", "", "", "", "", "", ""],  # blank row: skipped
    ["Q-8", "北方粮油", "", 4, 4, 4, 4, 4, "满意", ""],  # no unit
]
KEY = b"k" * 32


@pytest.fixture
def ctx() -> ParseContext:
    return ParseContext(key=KEY, names=UnitNames.from_file(PROJECT_ROOT / "data" / "agencies.yaml"))


def check_outcome(outcome) -> None:
    assert [a.source_id for a in outcome.answers] == ["Q-1", "Q-2", "Q-3"]
    assert [a.unit for a in outcome.answers] == ["court", "public_security", "procuratorate"]
    assert sorted((r.source_id, r.reason) for r in outcome.rejections) == [
        ("Q-4", "unknown_unit"), ("Q-5", "bad_score"), ("Q-6", "bad_choice"), ("Q-7", "missing_rating"),
        ("Q-8", "missing_unit")]
    assert outcome.blank_rows == 1
    q1 = outcome.answers[0]
    assert q1.items == {"efficiency": 1, "attitude": 2, "fairness": 2, "integrity": 3}
    assert (q1.score, q1.choice) == (1, "不满意")
    assert "13812345678" not in q1.text and "王建国" not in q1.text and len(q1.text) == len(ROWS[0][9])
    assert outcome.answers[2].items == {} and outcome.answers[2].text == ""
    everything = json.dumps([a.content() for a in outcome.answers], ensure_ascii=False) + "".join(
        r.raw + r.detail for r in outcome.rejections)
    for name in ("鑫达建材", "恒盛物流", "北方粮油", "13812345678"):
        assert name not in everything  # respondents and phone numbers never leave ingestion
    detail = next(r for r in outcome.rejections if r.reason == "unknown_unit").detail
    assert "区城管局" in detail and "被评单位无法识别" in detail


def write_csv(path, rows, encoding="utf-8"):
    import csv

    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def test_csv_with_bad_rows(tmp_path, ctx):
    check_outcome(read_survey(write_csv(tmp_path / "s.csv", ROWS), ctx))


def test_gbk_csv(tmp_path, ctx):
    check_outcome(read_survey(write_csv(tmp_path / "s.csv", ROWS, encoding="gb18030"), ctx))


def test_xlsx_with_bad_rows(tmp_path, ctx):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["2018年企业满意度问卷导出"])  # a title line above the header is not the header…
    book.active.append([])
    for row in [HEADER, *ROWS]:
        book.active.append([None if c == "" else c for c in row])
    path = tmp_path / "s.xlsx"
    book.save(path)
    with pytest.raises(ColumnError, match="被评单位"):  # …so it must be the first non-empty line
        read_survey(path, ctx)
    book.active.delete_rows(1, 2)
    book.save(path)
    check_outcome(read_survey(path, ctx))


def test_jsonl_with_bad_lines(tmp_path, ctx):
    lines = [
        {"id": "J-1", "unit": "court", "score": 1, "text": "立案窗口来回跑了四趟，联系电话13812345678。"},
        {"id": "J-2", "unit": "区检察院", "score": 5, "text": "很好"},
        {"id": "J-3", "unit": "court", "score": "五", "text": "?"},
        {"id": "J-4", "unit": "交通局", "score": 3, "text": ""},
        {"id": "J-5", "unit": "court", "text": "没有评分"},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{not json\n[1, 2]\n\n"
    path = tmp_path / "s.jsonl"
    path.write_text(text, encoding="utf-8")
    outcome = read_survey(path, ctx)
    assert [(a.source_id, a.unit, a.score, a.choice) for a in outcome.answers] == [
        ("J-1", "court", 1, None), ("J-2", "procuratorate", 5, None)]
    assert "13812345678" not in outcome.answers[0].text
    assert sorted(r.reason for r in outcome.rejections) == [
        "bad_score", "malformed_json", "malformed_json", "missing_rating", "unknown_unit"]


def test_header_variants_and_tick_columns(ctx):
    outcome = parse_table(["respondent", "unit", "总体评价", "open_answer"],
                          [["A公司", "法院", "非常满意", "很好"], ["B公司", "检察", "比较满意", ""],
                           ["C公司", "公安", "4", ""]], ctx)
    assert [(a.unit, a.choice, a.score) for a in outcome.answers] == [
        ("court", "满意", None), ("procuratorate", "基本满意", None), ("public_security", None, 4)]
    assert all(a.source_id.startswith("r-") for a in outcome.answers)  # no id column: a keyed row digest


def test_missing_columns_are_a_clear_error(ctx):
    with pytest.raises(ColumnError, match="被评单位"):
        parse_table(["企业", "总体满意度"], [["A", 5]], ctx)
    with pytest.raises(ColumnError, match="总体满意度"):
        parse_table(["企业", "被评单位", "意见建议"], [["A", "法院", "好"]], ctx)


def test_same_id_twice_in_a_file(ctx):
    outcome = parse_table(["id", "unit", "score"], [["1", "court", 5], ["1", "court", 5], ["1", "court", 2]], ctx)
    assert len(outcome.answers) == 1
    assert [r.reason for r in outcome.rejections] == ["source_id_conflict"]


def test_unsupported_and_missing_files(tmp_path, ctx):
    (tmp_path / "s.pdf").write_bytes(b"%PDF")
    with pytest.raises(SurveyFileError, match="不支持"):
        read_survey(tmp_path / "s.pdf", ctx)
    with pytest.raises(SurveyFileError, match="找不到"):
        read_survey(tmp_path / "none.csv", ctx)


def test_pseudonyms_are_keyed_stable_and_spelling_tolerant():
    a = pseudonym("鑫达建材有限公司", KEY)
    assert a.startswith("企业-") and len(a) == len("企业-") + 10
    assert a == pseudonym(" 鑫达建材 有限公司 ", KEY)  # spaces do not make another enterprise
    assert a != pseudonym("鑫达建材有限公司", b"another-key-of-32-bytes-at-least!")
    assert a != pseudonym("恒盛物流有限公司", KEY)
    assert pseudonym("", KEY) is None and pseudonym(None, KEY) is None


def test_respondent_name_inside_the_answer_becomes_its_pseudonym(ctx):
    outcome = parse_table(HEADER, [ROWS[1], ["Q-9", "鑫达建材有限公司", "法院", 3, 3, 3, 3, 3, "基本满意",
                                             "我们鑫达建材有限公司的案子还没执行"]], ctx)
    alias = pseudonym("鑫达建材有限公司", KEY)
    assert outcome.answers[1].text == f"我们{alias}的案子还没执行"
    assert outcome.answers[1].respondent == alias


def test_key_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "var" / "key"
    first = load_or_create_key(None, path)
    assert len(first) >= 32 and load_or_create_key(None, path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_key("configured-secret", path) == b"configured-secret"


def test_peer_file(tmp_path, ctx):
    path = tmp_path / "peer.csv"
    path.write_text("单位,互评得分\n公安分局,86\ncourt,68\n城管局,70\nprocuratorate,120\ncourt,99\n", encoding="utf-8")
    scores, rejections = read_peer(path, ctx.names, (0, 100))
    assert scores == {"public_security": 86.0, "court": 68.0}
    assert len(rejections) == 3 and {r.reason for r in rejections} == {"bad_peer_row"}


def test_storage_is_idempotent_and_never_overwrites(tmp_path, settings, database_url):
    settings = settings.model_copy(update={"database_url": database_url,
                                           "survey_pseudonym_key": SecretStr("test-key-" * 4)})
    factory = connect(database_url)
    path = write_csv(tmp_path / "s.csv", ROWS)
    first = ingest_survey_file(factory, settings, "2018", path)
    assert (first.added, first.unchanged, first.quarantined) == (3, 0, 5)
    again = ingest_survey_file(factory, settings, "2018", path)
    assert (again.added, again.unchanged) == (0, 3)
    changed = write_csv(tmp_path / "s2.csv", [["Q-1", "鑫达建材有限公司", "区人民法院", 5, 5, 5, 5, 5, "满意", "改了"]])
    third = ingest_survey_file(factory, settings, "2018", changed)
    assert (third.added, third.quarantined) == (0, 1)
    other_period = ingest_survey_file(factory, settings, "2019", path)
    assert other_period.added == 3
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 6
        q1 = s.scalar(select(SurveyResponse).where(SurveyResponse.period == "2018", SurveyResponse.source_id == "Q-1"))
        assert q1.choice == "不满意" and q1.respondent.startswith("企业-") and "13812345678" not in q1.text
        reasons = s.scalars(select(QuarantineItem.reason).where(QuarantineItem.channel == "survey")).all()
        assert sorted(reasons) == sorted(["unknown_unit", "bad_score", "bad_choice", "missing_rating",
                                          "missing_unit", "source_id_conflict"])
        raw = " ".join(s.scalars(select(QuarantineItem.raw_payload)).all())
        assert "北方粮油" not in raw and "区城管局" in raw  # kept for repair, respondent pseudonymised


def test_parse_context_uses_the_settings_key(settings):
    with_key = settings.model_copy(update={"survey_pseudonym_key": SecretStr("s" * 32)})
    assert parse_context(with_key).key == b"s" * 32
    without = settings.model_copy(update={"survey_pseudonym_key_file": settings.model_dir / "pseudonym.key"})
    key = parse_context(without).key
    assert (settings.model_dir / "pseudonym.key").is_file() and parse_context(without).key == key


def test_tab_separated_export(tmp_path, ctx):
    path = tmp_path / "s.csv"
    path.write_text("\n".join("\t".join(str(c) for c in row) for row in [HEADER, *ROWS]) + "\n", encoding="utf-8")
    check_outcome(read_survey(path, ctx))
