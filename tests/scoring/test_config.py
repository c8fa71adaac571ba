"""data/scoring.yaml is valid, and a broken policy is refused with a clear message."""

from __future__ import annotations

import pytest
import yaml

from pipelines.scoring.config import ScoringConfigError, config_from_dict, load_scoring_config
from qingfeng.settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "data" / "scoring.yaml"


def shipped() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def test_shipped_policy_loads():
    cfg = load_scoring_config(SHIPPED)
    assert cfg.weights.satisfaction > 0 and cfg.min_respondents >= 1
    assert [name for name, _ in cfg.tiers] == ["好", "较好", "一般", "差"]
    assert cfg.complaints.severity_weights["abuse_for_profit"] > cfg.complaints.severity_weights["formalism"]


@pytest.mark.parametrize(("patch", "message"), [
    ({"weights": {"satisfaction": -1}}, "weights"),
    ({"weights": {"satisfaction": 0, "sentiment": 0, "complaints": 0, "peer": 0}}, "weights"),
    ({"tiers": [{"name": "差", "min": 0}, {"name": "好", "min": 85}]}, "descending"),
    ({"complaints": {"severity_weights": {"formalism": 1}}}, "six categories"),
    ({"confidence": 1.5}, "confidence"),
    ({"min_respondnets": 5}, "unknown keys"),
    ({"interview": {"max_units": 0}}, "interview"),
    ({"focus": {"complaint_share": 0}}, "focus"),
    ({"weights": {"satisfaction": "heavy"}}, "invalid"),
])
def test_broken_policies_are_refused(patch, message):
    doc = {**shipped(), **patch}
    with pytest.raises(ScoringConfigError, match=message):
        config_from_dict(doc)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ScoringConfigError, match="找不到评分配置文件"):
        load_scoring_config(tmp_path / "scoring.yaml")
