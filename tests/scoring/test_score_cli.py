"""Smoke test: `qingfeng score` on the sample survey with the real survey model, and `qingfeng bulletin`."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from qingfeng.settings import PROJECT_ROOT
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import QuarantineItem, SurveyResponse, UnitScore

from tests.scoring.stored import add_complaint

pytestmark = pytest.mark.slow

SAMPLES = PROJECT_ROOT / "data" / "samples" / "survey"
REQUIRED = ["unit", "n", "satisfaction", "satisfaction_low", "satisfaction_high", "sentiment_index", "efficiency_mean",
            "complaint_pressure", "composite", "rank", "tier", "interview", "excellent_eligible", "focus", "reasons"]
RESPONDENTS = ["鑫达建材", "恒盛物流", "北方粮油", "宏图煤业", "兴隆超市", "东升汽车", "瑞丰食品", "金鼎装饰", "华远电子", "鸿运商贸"]
PLANTED_PII = ["0467-2381234", "13904671234"]


@pytest.fixture
def cli(tmp_path, trained_settings, monkeypatch):
    from qingfeng.cli.main import app
    from qingfeng.settings import get_settings

    env = {"QINGFENG_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}", "QINGFENG_MODEL_DIR": str(trained_settings.model_dir),
           "QINGFENG_REPORTS_DIR": str(tmp_path / "reports"),
           "QINGFENG_SURVEY_PSEUDONYM_KEY_FILE": str(tmp_path / "pseudonym.key")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()

    def run(*args: str):
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result

    yield run, env["QINGFENG_DATABASE_URL"]
    get_settings.cache_clear()


def read_units(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_score_the_sample_survey(cli, tmp_path):
    run, url = cli
    out = tmp_path / "out"
    args = ["score", "--period", "2018", "--survey", str(SAMPLES / "survey-2018.csv"),
            "--survey", str(SAMPLES / "survey-2018.jsonl"), "--peer", str(SAMPLES / "peer-2018.csv"), "-o", str(out)]
    result = run(*args)
    assert "新增 45 份" in result.output and "隔离 2 行" in result.output
    rows = read_units(out / "units.csv")
    assert set(REQUIRED) <= set(rows[0])
    units = {r["unit"]: r for r in rows}
    assert set(units) == {"public_security", "court", "procuratorate", "justice_bureau", "political_legal_committee"}
    court = units["court"]
    assert court["rank"] == "5" and court["interview"] == "true" and court["excellent_eligible"] == "false"
    assert "约谈" in court["reasons"]
    best_two = [r for r in rows if r["rank"] in ("1", "2")]
    assert len(best_two) == 2
    assert all(r["interview"] == "false" and r["excellent_eligible"] == "true" and r["focus"] == "false"
               for r in best_two)
    assert {r["interview"] for r in rows} <= {"true", "false"} and {r["focus"] for r in rows} == {"false"}

    from openpyxl import load_workbook

    sheet = load_workbook(out / "units.xlsx", read_only=True).worksheets[0]
    xlsx = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx[0] == list(rows[0].keys()) and [r[0] for r in xlsx[1:]] == [r["unit"] for r in rows]

    html = (out / "bulletin.html").read_text(encoding="utf-8")
    assert "作风公开评议结果通报" in html and "区人民法院" in html and "约谈" in html and "廉洁" in html
    for name in ("ranking.png", "sentiment.png", "aspects.png"):
        assert (out / name).stat().st_size > 5_000
    everything = html + (out / "units.csv").read_text(encoding="utf-8-sig") + (out / "units.json").read_text(
        encoding="utf-8")
    for secret in RESPONDENTS + PLANTED_PII:
        assert secret not in everything

    factory = connect(url)
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 60
        analysed = s.scalar(select(func.count()).select_from(SurveyResponse).where(SurveyResponse.sentiment.is_not(None)))
        assert analysed == 55  # every answer with text (5 have none)
        assert s.scalar(select(func.count()).select_from(UnitScore).where(UnitScore.period == "2018")) == 5
        assert s.scalar(select(func.count()).select_from(QuarantineItem).where(QuarantineItem.channel == "survey")) == 2
        stored = " ".join(t for t in s.scalars(select(SurveyResponse.text)).all())
        respondents = s.scalars(select(SurveyResponse.respondent)).all()
    assert all(r is None or r.startswith("企业-") for r in respondents)
    for secret in RESPONDENTS + PLANTED_PII:
        assert secret not in stored

    again = run(*args)  # re-ingesting is idempotent; the ranking is reproduced exactly
    assert "新增 0 份，已存在 45 份" in again.output
    assert read_units(out / "units.csv") == rows
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 60
        assert s.scalar(select(func.count()).select_from(QuarantineItem)) == 2


def test_bad_period_and_bad_file_are_clear_errors(cli, tmp_path):
    from qingfeng.cli.main import app

    result = CliRunner().invoke(app, ["score", "--period", "2018Q9", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "期间" in result.output
    bad = tmp_path / "s.csv"
    bad.write_text("企业,意见\nA,好\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", "--period", "2018", "--survey", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "被评单位" in result.output


def test_quarterly_negative_case_bulletin(cli, tmp_path):
    run, url = cli
    factory = connect(url)
    with session_scope(factory) as s:
        add_complaint(s, "Q1-1", datetime(2018, 2, 1), ["abuse_for_profit"], ["court"])
        add_complaint(s, "Q2-1", datetime(2018, 4, 9), ["abuse_for_profit"], ["court"],
                      text="来电人***反映执行法官索要“辛苦费”才肯查封")
        add_complaint(s, "Q2-2", datetime(2018, 5, 3), ["perverting_justice"], ["public_security"],
                      text="举报派出所所长充当保护伞")
        add_complaint(s, "Q2-3", datetime(2018, 5, 4), ["low_efficiency"], ["court"], text="立案窗口排队太长")
    out = tmp_path / "bulletin"
    run("bulletin", "--quarter", "2018Q2", "-o", str(out))
    html = (out / "bulletin.html").read_text(encoding="utf-8")
    assert "2018年第二季度" in html and "反面案例通报" in html and "2018年第一季度" in html
    assert "辛苦费" in html and "保护伞" in html and "立案窗口排队太长" not in html  # serious cases only
    assert "上升 1 件" in html or "持平" in html
    assert (out / "trend.png").is_file()
    cases = read_units(out / "cases.csv")
    assert sorted(r["unit"] for r in cases) == ["court", "public_security"]
