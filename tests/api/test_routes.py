"""Route behaviour with the session's trained triager (dependency override) on a fresh database."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from qingfeng.codes import AGENCY_ZH, CATEGORY_ZH
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Complaint, Label, QuarantineItem, ReporterContact, TriageResult
from serving.schemas import TriageBatchResponse, TriageResponse
from tests.api.conftest import auth

TEXT = "来电人反映，城东派出所民警办理户籍时态度恶劣，让他来回跑了五趟还没办成。"
CLASSIFY_FIELDS = {"categories", "category_scores", "agencies", "agency_scores", "sub_units", "handler",
                   "needs_review", "evidence", "model_version"}


def test_triage_returns_classify_fields_with_chinese_names(client, keys, triager):
    r = client.post("/v1/triage", json={"text": TEXT, "channel": "hotline", "source_id": "call-7"},
                    headers=auth(keys["intake"]))
    assert r.status_code == 200, r.text
    body = r.json()
    # the route returns its JSON directly (no response validation): the body must still be the declared model
    assert TriageResponse.model_validate(body, strict=True).model_dump(mode="json") == body
    assert CLASSIFY_FIELDS <= body.keys()
    assert body["request_id"] == r.headers["x-request-id"]
    assert body["source_id"] == "call-7"
    assert "public_security" in body["agencies"]
    assert body["agencies_zh"] == [AGENCY_ZH[a] for a in body["agencies"]]
    assert body["categories_zh"] == [CATEGORY_ZH[c] for c in body["categories"]]
    assert body["model_version"] == triager.model_version
    for span in body["evidence"]:
        assert TEXT[span["start"]:span["end"]] == span["text"]
    expected = triager.triage(TEXT, "hotline").as_dict()
    assert {k: body[k] for k in CLASSIFY_FIELDS} == expected  # the one triage(), nothing re-implemented
    # rendered by orjson: byte for byte what Starlette's JSONResponse would send
    assert r.content == JSONResponse(body).body
    assert r.headers["content-type"] == "application/json"


def test_triage_batch_keeps_order_and_limit(make_client, keys, api_settings):
    client = make_client(api_settings.model_copy(update={"api_batch_max_items": 3}))
    texts = ["法院执行局的法官拖着不执行，判决下来两年钱一分没拿到", "检察院控告申诉窗口的人推来推去", TEXT]
    r = client.post("/v1/triage/batch", json={"items": [{"text": t, "source_id": str(i)} for i, t in enumerate(texts)]},
                    headers=auth(keys["analyst"]))
    assert r.status_code == 200, r.text
    assert TriageBatchResponse.model_validate(r.json(), strict=True).model_dump(mode="json") == r.json()
    items = r.json()["items"]
    assert [i["source_id"] for i in items] == ["0", "1", "2"]
    assert "court" in items[0]["agencies"] and "public_security" in items[2]["agencies"]
    too_many = client.post("/v1/triage/batch", json={"items": [{"text": TEXT}] * 4}, headers=auth(keys["admin"]))
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "batch_too_large" and "3" in too_many.json()["message"]


def test_directory_endpoints(client, keys):
    tax = client.get("/v1/taxonomy", headers=auth(keys["intake"])).json()
    assert sorted(c["code"] for c in tax["categories"]) == sorted(CATEGORY_ZH)
    agencies = client.get("/v1/agencies", headers=auth(keys["analyst"])).json()
    assert sorted(a["code"] for a in agencies["agencies"]) == sorted(AGENCY_ZH)
    assert all(a["sub_units"] and a["handlers"] for a in agencies["agencies"])


def _count(settings, model) -> int:
    with session_scope(connect(settings.database_url)) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_complaint_intake_is_idempotent_and_never_echoes_the_contact(client, keys, api_settings):
    body = {"text": "我叫王建国，电话13912345678。城东派出所民警办理户籍时态度恶劣，让我来回跑了五趟。",
            "channel": "hotline", "source_id": "HL-2026-0001", "received_at": "2026-11-20T09:30:00+08:00",
            "reporter": {"name": "王建国", "phone": "13912345678"}}
    first = client.post("/v1/complaints", json=body, headers=auth(keys["intake"]))
    assert first.status_code == 201, first.text
    again = client.post("/v1/complaints", json=body, headers=auth(keys["intake"]))
    assert again.status_code == 200
    a, b = first.json(), again.json()
    assert a["created"] is True and b["created"] is False
    assert a["complaint_id"] == b["complaint_id"] and a["case_id"] == b["case_id"]
    assert "public_security" in a["triage"]["agencies"]
    assert b["triage"]["model_version"] == a["triage"]["model_version"]
    for response in (first, again):
        assert "王建国" not in response.text and "13912345678" not in response.text
    assert _count(api_settings, Complaint) == 1 and _count(api_settings, TriageResult) == 1
    with session_scope(connect(api_settings.database_url)) as s:
        stored = s.scalar(select(Complaint))
        contact = s.scalar(select(ReporterContact))
        assert "王建国" not in stored.text and "13912345678" not in stored.text
        assert contact.complaint_id == stored.id and contact.name == "王建国" and "13912345678" in contact.phones
        assert stored.received_at.hour == 9  # stored as local time of Settings.timezone


def test_same_source_id_with_other_text_is_refused_not_overwritten(client, keys, api_settings):
    base = {"channel": "online", "source_id": "W-1", "reporter": {"name": "赵六", "phone": "13700001111"}}
    assert client.post("/v1/complaints", json={**base, "text": TEXT}, headers=auth(keys["admin"])).status_code == 201
    r = client.post("/v1/complaints", json={**base, "text": "完全不同的另一件事：法院立案庭不给立案"},
                    headers=auth(keys["admin"]))
    assert r.status_code == 409 and r.json()["code"] == "source_id_conflict"
    assert _count(api_settings, Complaint) == 1
    with session_scope(connect(api_settings.database_url)) as s:
        held = s.scalar(select(QuarantineItem))
        assert held.reason == "source_id_conflict" and held.source_id == "W-1" and "立案庭" in held.raw_payload
        assert "赵六" not in held.raw_payload and "13700001111" not in held.raw_payload
    other_channel = client.post("/v1/complaints", json={**base, "channel": "hotline", "text": TEXT},
                                headers=auth(keys["admin"]))
    assert other_channel.status_code == 201  # idempotency is per channel + source_id


def _store(client, key, text, source_id):
    r = client.post("/v1/complaints", json={"text": text, "channel": "online", "source_id": source_id},
                    headers=auth(key))
    assert r.status_code == 201, r.text
    return r.json()


def test_review_queue_and_labels(client, keys, api_settings):
    texts = ["有点事想反映一下，不知道找谁，反正就是不太满意", "那个谁上次说的事情还没弄好，麻烦看看",
             "身份证号110101199003071234，东城派出所不给办，还说我材料不全", TEXT]
    stored = [_store(client, keys["intake"], t, f"S-{i}") for i, t in enumerate(texts)]
    unsure = [s["complaint_id"] for s in stored if s["triage"]["needs_review"]]
    assert unsure, "fixture texts should include at least one the model is unsure about"
    page = client.get("/v1/review-queue", params={"limit": 1}, headers=auth(keys["analyst"]))
    assert page.status_code == 200, page.text
    data = page.json()
    assert data["total"] == len(unsure) and len(data["items"]) == 1
    assert data["items"][0]["complaint_id"] == unsure[0]
    everything = client.get("/v1/review-queue", params={"limit": 200}, headers=auth(keys["analyst"])).json()
    assert [i["complaint_id"] for i in everything["items"]] == unsure
    assert all("110101199003071234" not in i["text"] for i in everything["items"])

    target = next(s for s in stored if s["complaint_id"] == unsure[0])
    predicted_agencies = target["triage"]["agencies"]
    r = client.post("/v1/labels", json={"complaint_id": unsure[0], "categories": ["formalism", "low_efficiency"],
                                        "agencies": predicted_agencies}, headers=auth(keys["analyst"]))
    assert r.status_code == 200, r.text
    got = {label["task"]: label for label in r.json()["labels"]}
    assert got["agencies"]["provenance"] == "human_confirmed"
    expected_cat = "human_confirmed" if sorted(target["triage"]["categories"]) == ["formalism", "low_efficiency"] \
        else "human_corrected"
    assert got["categories"]["provenance"] == expected_cat
    with session_scope(connect(api_settings.database_url)) as s:
        labels = s.scalars(select(Label).where(Label.complaint_id == unsure[0])).all()
        assert {lab.task for lab in labels} == {"categories", "agencies"}
        assert {lab.annotator for lab in labels} == {"analyst-desk"}
        assert all(lab.model_version == target["triage"]["model_version"] for lab in labels)
    after = client.get("/v1/review-queue", headers=auth(keys["analyst"])).json()
    assert unsure[0] not in [i["complaint_id"] for i in after["items"]]
    assert after["total"] == len(unsure) - 1


def test_labels_for_unknown_complaint_or_without_labels(client, keys):
    r = client.post("/v1/labels", json={"complaint_id": 424242, "agencies": ["court"]}, headers=auth(keys["admin"]))
    assert r.status_code == 404 and r.json()["code"] == "complaint_not_found"
    r = client.post("/v1/labels", json={"complaint_id": 1}, headers=auth(keys["admin"]))
    assert r.status_code == 422 and "categories" in r.json()["message"]
    r = client.post("/v1/labels", json={"complaint_id": 1, "categories": ["no_such_code"]}, headers=auth(keys["admin"]))
    assert r.status_code == 422


def test_health_and_readiness(make_client, keys):
    bare = make_client(triager_override=None)  # empty model directory: alive but not ready
    assert bare.get("/healthz").json() == {"status": "ok"}
    r = bare.get("/readyz")
    assert r.status_code == 503 and r.json()["code"] == "not_ready" and "模型" in r.json()["message"]
    r = bare.post("/v1/triage", json={"text": TEXT}, headers=auth(keys["intake"]))
    assert r.status_code == 503 and r.json()["code"] == "models_missing"


def test_intake_review_and_labels_on_each_database(make_client, database_url, tmp_path):
    """The storage-touching routes on SQLite and, when QINGFENG_TEST_POSTGRES_URL is set, PostgreSQL."""
    from qingfeng.settings import Settings
    from tests.api.conftest import make_keys

    settings = Settings(database_url=database_url, model_dir=tmp_path / "no-models", reports_dir=tmp_path / "r")
    keys = make_keys(settings)
    client = make_client(settings)
    body = {"text": "有点事想反映一下，不知道找谁，反正就是不太满意", "channel": "report_box", "source_id": "L-1",
            "reporter": {"name": "李四"}}
    first = client.post("/v1/complaints", json=body, headers=auth(keys["intake"]))
    again = client.post("/v1/complaints", json=body, headers=auth(keys["intake"]))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["complaint_id"] == again.json()["complaint_id"]
    assert _count(settings, Complaint) == 1 and _count(settings, ReporterContact) == 1
    queue = client.get("/v1/review-queue", params={"include_labelled": True}, headers=auth(keys["analyst"]))
    assert queue.status_code == 200
    assert queue.json()["total"] == int(first.json()["triage"]["needs_review"])
    label = client.post("/v1/labels", json={"complaint_id": first.json()["complaint_id"], "categories": []},
                        headers=auth(keys["analyst"]))
    assert label.status_code == 200 and label.json()["stored"] == 1
    assert _count(settings, Label) == 1
