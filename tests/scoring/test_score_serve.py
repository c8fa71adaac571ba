"""`qingfeng score serve` serves the survey_scoring flow on the configured schedule."""

from __future__ import annotations

from typer.testing import CliRunner


def test_serve_uses_the_configured_cron(monkeypatch):
    from pipelines import survey_flow
    from qingfeng.cli.main import app
    from qingfeng.settings import get_settings

    calls = []
    monkeypatch.setattr(survey_flow.survey_scoring, "serve", lambda **kw: calls.append(kw))
    monkeypatch.setenv("QINGFENG_SURVEY_SCORING_CRON", "0 4 6 1,4,7,10 *")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["score", "serve"])
        assert result.exit_code == 0, result.output
        assert calls == [{"name": "survey-scoring", "cron": "0 4 6 1,4,7,10 *"}]
        result = CliRunner().invoke(app, ["score", "serve", "--cron", "0 1 * * *", "--name", "q"])
        assert calls[-1] == {"name": "q", "cron": "0 1 * * *"}
    finally:
        get_settings.cache_clear()


def test_score_without_period_shows_usage():
    from qingfeng.cli.main import app

    result = CliRunner().invoke(app, ["score"])
    assert result.exit_code == 2 and "--period" in result.output
