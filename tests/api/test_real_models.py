"""The real default models loaded by the lifespan (no override), and the PRODUCTION-pointer pickup."""

from __future__ import annotations

import shutil
import time

from fastapi.testclient import TestClient

from classifiers import registry
from qingfeng.settings import Settings
from serving.app import create_app
from tests.api.conftest import auth, make_keys


def _settings(tmp_path, model_dir) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'real.db'}", model_dir=model_dir,
                    reports_dir=tmp_path / "reports")


def test_real_models_end_to_end(tmp_path, trained_settings):
    settings = _settings(tmp_path, trained_settings.model_dir)
    keys = make_keys(settings)
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        version = ready.json()["model_version"]
        r = client.post("/v1/triage", json={"text": "法院执行局的法官收了被执行人的好处，判决生效两年了一直不执行，还让我找关系。",
                                            "channel": "report_box"}, headers=auth(keys["intake"]))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["model_version"] == version
        assert "court" in body["agencies"] and "区人民法院" in body["agencies_zh"]
        assert body["categories"], body
        stored = client.post("/v1/complaints", json={"text": "派出所户籍窗口的民警态度很差，材料让我补了三次。",
                                                     "channel": "online", "source_id": "real-1"},
                             headers=auth(keys["intake"]))
        assert stored.status_code == 201 and stored.json()["triage"]["model_version"] == version


def _promote_copy(model_dir, name: str, suffix: str) -> str:
    """A new registry version (a copy of the current one under a new name), promoted by the pointer."""
    current = registry.production_version(model_dir, name)
    new = f"{current}-{suffix}"
    shutil.copytree(model_dir / name / current, model_dir / name / new)
    registry.set_production(model_dir, name, new)
    return new


def test_server_picks_up_a_changed_production_pointer(tmp_path, trained_settings):
    model_dir = tmp_path / "models"
    for name in ("categories", "agencies"):
        shutil.copytree(trained_settings.model_dir / name, model_dir / name)
    settings = _settings(tmp_path, model_dir)
    keys = make_keys(settings)
    with TestClient(create_app(settings, model_check_seconds=0.1)) as client:
        before = client.post("/v1/triage", json={"text": "派出所民警态度恶劣"}, headers=auth(keys["intake"])).json()
        new_version = _promote_copy(model_dir, "categories", "promoted")
        deadline = time.monotonic() + 20
        after = before
        while time.monotonic() < deadline and new_version not in after["model_version"]:
            time.sleep(0.1)
            after = client.post("/v1/triage", json={"text": "派出所民警态度恶劣"}, headers=auth(keys["intake"])).json()
        assert f"categories:{new_version}" in after["model_version"]
        assert before["model_version"] != after["model_version"]
        assert client.get("/readyz").json()["model_version"] == after["model_version"]

        forced = client.post("/v1/models/reload", headers=auth(keys["admin"]))
        assert forced.status_code == 200 and forced.json()["model_version"] == after["model_version"]
        assert forced.json()["changed"] is False


def test_models_promoted_after_start_are_loaded_without_restart(tmp_path, trained_settings):
    model_dir = tmp_path / "models"
    settings = _settings(tmp_path, model_dir)
    keys = make_keys(settings)
    with TestClient(create_app(settings, model_check_seconds=0.1)) as client:
        assert client.get("/readyz").status_code == 503
        for name in ("categories", "agencies"):
            shutil.copytree(trained_settings.model_dir / name, model_dir / name)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and client.get("/readyz").status_code != 200:
            time.sleep(0.1)
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/triage", json={"text": "派出所民警态度恶劣"}, headers=auth(keys["intake"])).status_code == 200
