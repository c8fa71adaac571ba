"""``qingfeng classify | survey | train | evaluate`` end to end, and the CLI's error-line rule."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from qingfeng.cli.classify_cmd import parse_line
from qingfeng.cli.main import app
from qingfeng.settings import PROJECT_ROOT, get_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def cli_env(monkeypatch, trained_settings, tmp_path):
    """Run the CLI against the session's trained models (a copy, so tests cannot disturb each other)."""
    model_dir = tmp_path / "models"
    shutil.copytree(trained_settings.model_dir, model_dir)
    monkeypatch.setenv("QINGFENG_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("QINGFENG_REPORTS_DIR", str(tmp_path / "reports"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize(("raw", "error"), [
    (b"not json", "不是合法 JSON"),
    (b"[1, 2]", "不是 JSON 对象"),
    (b'{"id": "x"}', "缺少文本字段"),
    (b'{"id": "x", "text": "   "}', "缺少文本字段"),
    (b'{"id": "x", "text": 42}', "缺少文本字段"),
    (b"\xff\xfe", "UTF-8"),
    (b"", "空行"),
])
def test_bad_lines_become_error_lines(raw, error):
    record, line = parse_line(raw, max_chars=100)
    assert record is None and error in line["error"]


def test_an_error_line_keeps_the_id_and_long_texts_are_refused():
    assert parse_line(b'{"id": 7}', 100)[1]["id"] == 7
    assert "过长" in parse_line(json.dumps({"id": 1, "text": "长" * 101}).encode(), 100)[1]["error"]


def test_classify_writes_one_line_per_input_line_in_order(cli_env):
    stdin = "\n".join([
        json.dumps({"id": "a", "text": "红星派出所民警让我表示表示才给办户口", "channel": "online"}, ensure_ascii=False),
        "这不是 JSON",
        json.dumps({"id": "b"}),
        json.dumps({"id": "c", "text": "执行款一直不到账"}, ensure_ascii=False),
    ]) + "\n"
    result = CliRunner().invoke(app, ["classify", "-"], input=stdin)
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert [o.get("id") for o in out] == ["a", None, "b", "c"]
    assert "error" in out[1] and out[2]["id"] == "b" and "error" in out[2]
    expected = {"id", "categories", "category_scores", "agencies", "agency_scores", "sub_units", "handler",
                "needs_review", "evidence", "model_version"}
    assert set(out[0]) == expected and set(out[3]) == expected
    assert "abuse_for_profit" in out[0]["categories"] and out[0]["sub_units"] == ["红星派出所"]
    assert out[3]["agencies"] == ["court"]


def test_classify_to_a_file_and_unreadable_input(cli_env):
    src, dst = cli_env / "in.jsonl", cli_env / "out.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "法院立案庭不给立案"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["classify", str(src), "-o", str(dst)]).exit_code == 0
    assert _lines(dst.read_text(encoding="utf-8"))[0]["agencies"] == ["court"]
    missing = CliRunner().invoke(app, ["classify", str(cli_env / "absent.jsonl")])
    assert missing.exit_code != 0 and "无法读取输入" in missing.output


def test_survey_command(cli_env):
    stdin = "\n".join([json.dumps({"id": "s1", "unit": "court", "text": "满意", "score": 5}, ensure_ascii=False),
                       "{broken"]) + "\n"
    result = CliRunner().invoke(app, ["survey", "-"], input=stdin)
    assert result.exit_code == 0, result.output
    first, second = _lines(result.stdout)
    assert set(first) == {"id", "sentiment", "sentiment_scores", "aspects", "model_version"}
    assert first["sentiment"] == "positive" and "error" in second


def test_smoke_train_on_a_slice_then_classify_and_evaluate(monkeypatch, tmp_path):
    """The whole workflow on a small slice of the corpus: train → registry → classify → evaluate."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("corpus"))
    for sub, keep in (("complaints", 240), ("survey", 120)):
        for split in ("train", "test"):
            src = PROJECT_ROOT / "data" / "corpus" / sub / f"{split}.jsonl"
            (data / "corpus" / sub).mkdir(parents=True, exist_ok=True)
            lines = src.read_text(encoding="utf-8").splitlines()
            (data / "corpus" / sub / f"{split}.jsonl").write_text("\n".join(lines[:keep]) + "\n", encoding="utf-8")
    monkeypatch.setenv("QINGFENG_DATA_DIR", str(data))
    monkeypatch.setenv("QINGFENG_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("QINGFENG_REPORTS_DIR", str(tmp_path / "reports"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        trained = runner.invoke(app, ["train", "all"])
        assert trained.exit_code == 0, trained.output
        assert trained.output.count("已设为生产版本") == 3
        classified = runner.invoke(app, ["classify", "-"], input=json.dumps({"id": 1, "text": "派出所不出警"}) + "\n")
        assert classified.exit_code == 0 and "categories" in _lines(classified.stdout)[0]
        evaluated = runner.invoke(app, ["evaluate", "categories", "-o", str(tmp_path / "ev")])
        assert evaluated.exit_code == 0, evaluated.output
        report = (tmp_path / "ev" / "report.md").read_text(encoding="utf-8")
        assert "宏平均F1" in report and (tmp_path / "ev" / "categories_heatmap.png").stat().st_size > 5000
    finally:
        get_settings.cache_clear()
