"""The survey_scoring flow on the sample survey: the same outcome as `qingfeng score`, idempotent rerun."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from qingfeng.settings import PROJECT_ROOT
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import SurveyResponse, UnitScore

pytestmark = pytest.mark.slow

SAMPLES = PROJECT_ROOT / "data" / "samples" / "survey"


def test_survey_scoring_flow(nightly_env_factory, tmp_path):
    from pipelines.survey_flow import survey_scoring

    env = nightly_env_factory("survey-flow", QINGFENG_SURVEY_PSEUDONYM_KEY_FILE=str(tmp_path / "key"))
    params = dict(period="2018", survey_files=[str(SAMPLES / "survey-2018.csv"), str(SAMPLES / "survey-2018.jsonl")],
                  peer_file=str(SAMPLES / "peer-2018.csv"), out_dir=str(tmp_path / "out"))
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        first = survey_scoring(**params)
        second = survey_scoring(**params)
    assert first["period"] == "2018" and first["analysed"] == 60 and second["analysed"] == 0
    assert [i["added"] for i in first["ingested"]] == [45, 15] and [i["added"] for i in second["ingested"]] == [0, 0]
    flagged = [u["unit"] for u in first["units"] if u["interview"] == "true"]
    assert flagged == ["court"] and first["units"] == second["units"]
    with (tmp_path / "out" / "units.csv").open(encoding="utf-8-sig") as fh:
        assert [r["unit"] for r in csv.DictReader(fh)][-1] == "court"
    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 60
        assert s.scalar(select(func.count()).select_from(UnitScore)) == 5

