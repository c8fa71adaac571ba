"""Bad input gets a 4xx with the JSON error shape, never a 5xx; errors and logs leak nothing."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Complaint
from tests.api.conftest import auth

PII_TEXT = "我叫王建国，电话13912345678，派出所民警态度恶劣。"
INJECTIONS = [
    "'; DROP TABLE complaints; --",
    "1' OR '1'='1",
    "<script>alert('x')</script>派出所民警不作为",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %s %n",
    "\u202e反转文字\u200b零宽",
]

BAD_JSON_BODIES = [
    {},
    {"text": ""},
    {"text": "   \n\t "},
    {"text": 123},
    {"text": None},
    {"text": ["派出所"]},
    {"text": {"nested": "x"}},
    {"text": "派出所", "channel": "fax"},
    {"text": "派出所", "unexpected": 1},
    {"text": "含空字符\u0000的文本"},
    [],
    "just a string",
    123,
]


def _assert_error_shape(r, status: int | None = None):
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    if status is not None:
        assert r.status_code == status, r.text[:300]
    body = r.json()
    assert set(body) == {"code", "message", "detail"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    assert "Traceback" not in r.text


@pytest.mark.parametrize("body", BAD_JSON_BODIES, ids=range(len(BAD_JSON_BODIES)))
@pytest.mark.parametrize("path", ["/v1/triage", "/v1/complaints"])
def test_bad_bodies_are_4xx(client, keys, body, path):
    _assert_error_shape(client.post(path, json=body, headers=auth(keys["admin"])), 422)


@pytest.mark.parametrize("raw", [b"{bad json", b'{"text": "\xff\xfe\xfa"}', b"\xef\xbb\xbf{", b"[" * 50_000, b""],
                         ids=["invalid-json", "non-utf8", "bom-garbage", "deep-nesting", "empty"])
def test_unparseable_bodies_are_4xx(client, keys, raw):
    r = client.post("/v1/triage", content=raw, headers={**auth(keys["admin"]), "content-type": "application/json"})
    _assert_error_shape(r)


def test_text_over_the_char_limit_is_422_in_chinese(make_client, keys, api_settings):
    client = make_client(api_settings.model_copy(update={"api_max_text_chars": 100}))
    r = client.post("/v1/triage", json={"text": "派" * 101}, headers=auth(keys["intake"]))
    _assert_error_shape(r, 422)
    assert r.json()["code"] == "text_too_long" and "100" in r.json()["message"]
    assert "派派派" not in r.text  # the text is not echoed


def test_one_megabyte_body_is_413_by_content_length(client, keys):
    r = client.post("/v1/triage", json={"text": "派" * 1_000_000}, headers=auth(keys["intake"]))
    _assert_error_shape(r, 413)
    assert r.json()["code"] == "payload_too_large"


def test_streamed_body_without_content_length_is_counted(client, keys, api_settings):
    def chunks():
        yield b'{"text": "'
        for _ in range(api_settings.api_max_body_bytes // 4096 + 2):
            yield b"a" * 4096
        yield b'"}'

    r = client.post("/v1/triage", content=chunks(), headers={**auth(keys["intake"]), "content-type": "application/json"})
    _assert_error_shape(r, 413)


def test_lying_content_length_is_counted(client, keys, api_settings):
    """A small declared Content-Length does not let a large body through: the bytes are counted."""
    body = b'{"text": "' + b"a" * (api_settings.api_max_body_bytes + 10) + b'"}'
    r = client.post("/v1/triage", content=body, headers={**auth(keys["intake"]), "content-type": "application/json",
                                                         "content-length": "10"})
    _assert_error_shape(r, 413)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_just_text(client, keys, api_settings, text):
    r = client.post("/v1/triage", json={"text": text}, headers=auth(keys["intake"]))
    assert r.status_code == 200, r.text
    r = client.post("/v1/complaints", json={"text": text, "channel": "online", "source_id": text[:60]},
                    headers=auth(keys["intake"]))
    assert r.status_code == 201, r.text
    r = client.get("/v1/review-queue", params={"limit": "1; DROP TABLE complaints"}, headers=auth(keys["admin"]))
    _assert_error_shape(r, 422)
    with session_scope(connect(api_settings.database_url)) as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1


@pytest.mark.parametrize("method,path", [("GET", "/v1/nothing-here"), ("DELETE", "/v1/triage"), ("PUT", "/healthz"),
                                         ("GET", "/v1/triage")])
def test_unknown_routes_and_methods(client, keys, method, path):
    r = client.request(method, path, headers=auth(keys["admin"]))
    _assert_error_shape(r)
    assert r.status_code in (404, 405)


def test_unexpected_exception_is_a_bare_500_and_logs_no_text(make_client, keys, caplog):
    class Exploding:
        model_version = "boom"

        def triage(self, text, channel=None):
            raise RuntimeError(f"failed on {text}")

        def triage_batch(self, texts, channels=None):
            raise RuntimeError(f"failed on {texts}")

    client = make_client(triager_override=Exploding())
    with caplog.at_level(logging.INFO, logger="qingfeng.api"):
        r = client.post("/v1/triage", json={"text": PII_TEXT}, headers=auth(keys["intake"]))
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "internal_error" and body["detail"] == {"request_id": r.headers["x-request-id"]}
    assert "王建国" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    lines = [rec.getMessage() for rec in caplog.records]
    assert any(r.headers["x-request-id"] in line and "status=500" in line for line in lines)
    assert not any("王建国" in line or "13912345678" in line for line in lines)
    assert all(rec.exc_info is None for rec in caplog.records)


def test_access_log_has_id_route_status_latency_only(client, keys, caplog):
    with caplog.at_level(logging.INFO, logger="qingfeng.api"):
        r = client.post("/v1/triage?phone=13912345678", json={"text": PII_TEXT}, headers=auth(keys["intake"]))
    assert r.status_code == 200
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "qingfeng.api"]
    mine = [line for line in lines if r.headers["x-request-id"] in line]
    assert len(mine) == 1
    assert "route=/v1/triage " in mine[0] and "status=200" in mine[0] and "latency_ms=" in mine[0]
    assert not any("王建国" in line or "13912345678" in line or keys["intake"] in line for line in lines)


def test_reporter_contact_fields_are_validated_not_echoed(client, keys):
    body = {"text": PII_TEXT, "channel": "hotline", "source_id": "C-1", "reporter": {"phone": "not a phone"}}
    r = client.post("/v1/complaints", json=body, headers=auth(keys["intake"]))
    _assert_error_shape(r, 422)
    assert "not a phone" not in r.text


@pytest.mark.parametrize("complaint_id", [0, -1, 2**31, 2**63, 10**30, 1.5, "x"])
def test_label_ids_outside_the_integer_key_are_422(client, keys, complaint_id):
    """Found by the schema fuzzer: an id past 64 bits overflowed the database driver (a 500)."""
    r = client.post("/v1/labels", json={"complaint_id": complaint_id, "agencies": ["court"]},
                    headers=auth(keys["analyst"]))
    _assert_error_shape(r, 422)
