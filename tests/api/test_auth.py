"""Keys and roles: the auth matrix, revocation, rate limits, and the ``qingfeng keys`` commands."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qingfeng.cli.main import app as cli
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import ApiKey
from serving.security import KeyCache, RateLimiter, hash_key, revoke_keys
from tests.api.conftest import auth

TEXT = "城东派出所民警办理户籍时态度恶劣，让我来回跑了五趟。"

# family -> (method, path, body)
FAMILIES = {
    "triage": ("POST", "/v1/triage", {"text": TEXT}),
    "triage_batch": ("POST", "/v1/triage/batch", {"items": [{"text": TEXT}]}),
    "complaints": ("POST", "/v1/complaints", {"text": TEXT, "channel": "online", "source_id": "A-1"}),
    "directory": ("GET", "/v1/taxonomy", None),
    "review_queue": ("GET", "/v1/review-queue", None),
    "labels": ("POST", "/v1/labels", {"complaint_id": 999999, "agencies": ["court"]}),
    "admin": ("POST", "/v1/models/reload", None),
}
ALLOWED = {
    "intake": {"triage", "triage_batch", "complaints", "directory"},
    "analyst": {"triage", "triage_batch", "review_queue", "labels", "directory"},
    "admin": set(FAMILIES),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_auth_matrix(client, keys, role):
    for family, (method, path, body) in FAMILIES.items():
        r = client.request(method, path, json=body, headers=auth(keys[role]))
        if family in ALLOWED[role]:
            # allowed: anything but an auth error (labels on an unknown complaint answer 404; reload with an
            # empty model directory answers 503 models_missing)
            assert r.status_code not in (401, 403), (role, family, r.text)
            assert r.status_code < 500 or r.json()["code"] == "models_missing", (role, family, r.text)
        else:
            assert r.status_code == 403, (role, family, r.status_code)
            assert r.json()["code"] == "forbidden" and "角色" in r.json()["message"]


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "qf_not-a-real-key"},
                                     {"X-API-Key": "x" * 10_000}])
def test_missing_or_unknown_key_is_401_everywhere(client, headers):
    for method, path, body in FAMILIES.values():
        r = client.request(method, path, json=body, headers=headers)
        assert r.status_code == 401, (path, r.status_code)
        assert r.json()["code"] == "unauthorized"


def test_probes_and_docs_need_no_key(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)
    assert client.get("/openapi.json").status_code == 200


def test_revoked_key_stops_working_once_the_cache_entry_expires(client, keys, api_settings):
    now = [0.0]
    runtime = client.app.state.runtime
    runtime.keys = KeyCache(ttl_s=5.0, clock=lambda: now[0])
    assert client.post("/v1/triage", json={"text": TEXT}, headers=auth(keys["intake"])).status_code == 200
    with session_scope(connect(api_settings.database_url)) as s:
        assert [k.name for k in revoke_keys(s, "intake-desk")] == ["intake-desk"]
    now[0] = 4.0  # still cached: documented grace of at most KEY_CACHE_TTL_S
    assert client.post("/v1/triage", json={"text": TEXT}, headers=auth(keys["intake"])).status_code == 200
    now[0] = 5.5
    r = client.post("/v1/triage", json={"text": TEXT}, headers=auth(keys["intake"]))
    assert r.status_code == 401


def test_rate_limit_per_key(make_client, keys, api_settings):
    client = make_client(api_settings.model_copy(update={"api_rate_limit_per_minute": 3}))
    codes = [client.get("/v1/taxonomy", headers=auth(keys["intake"])).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get("/v1/taxonomy", headers=auth(keys["intake"]))
    assert r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    assert client.get("/v1/taxonomy", headers=auth(keys["analyst"])).status_code == 200  # per key


def test_rate_limiter_window_slides():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.check("k") is None and limiter.check("k") is None
    assert limiter.check("k") == pytest.approx(60.0)
    now[0] = 30.0
    assert limiter.check("k") == pytest.approx(30.0)
    now[0] = 60.01
    assert limiter.check("k") is None


def test_key_cache_is_bounded():
    cache = KeyCache(ttl_s=60, max_entries=3)
    for i in range(5):
        cache.put(str(i), None)
    assert [cache.get(str(i))[0] for i in range(5)] == [False, False, True, True, True]


def test_keys_cli_create_list_revoke(api_settings, monkeypatch):
    from qingfeng.settings import get_settings

    monkeypatch.setenv("QINGFENG_DATABASE_URL", api_settings.database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        done = runner.invoke(cli, ["keys", "create", "--role", "analyst", "--name", "张老师"])
        assert done.exit_code == 0, done.output
        key = done.stdout.strip().splitlines()[-1]
        assert key.startswith("qf_") and len(key) >= 40 and " " not in key
        with session_scope(connect(api_settings.database_url)) as s:
            row = s.scalar(select(ApiKey))
            assert row.key_hash == hash_key(key) and row.role == "analyst" and key not in (row.prefix, row.key_hash)
        dup = runner.invoke(cli, ["keys", "create", "--role", "intake", "--name", "张老师"])
        assert dup.exit_code == 1
        bad = runner.invoke(cli, ["keys", "create", "--role", "root", "--name", "x"])
        assert bad.exit_code == 2
        listed = runner.invoke(cli, ["keys", "list"])
        assert "张老师" in listed.stdout and key[:12] in listed.stdout and key not in listed.stdout
        revoked = runner.invoke(cli, ["keys", "revoke", key[:12]])
        assert revoked.exit_code == 0 and "张老师" in revoked.stdout
        assert runner.invoke(cli, ["keys", "revoke", "张老师"]).exit_code == 1  # nothing active left
        assert "已吊销" in runner.invoke(cli, ["keys", "list"]).stdout
    finally:
        get_settings.cache_clear()
