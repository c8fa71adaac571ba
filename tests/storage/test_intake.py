"""The one storage path (pipelines.intake) on SQLite and PostgreSQL, with the PRODUCTION triage models."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from pipelines.intake import IntakeOptions, store_complaints, stored_triage
from pipelines.records import CanonicalComplaint
from qingfeng.storage import contacts
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Case, Complaint, QuarantineItem, ReporterContact
from qingfeng.storage.tables import TriageResult as TriageRow

pytestmark = pytest.mark.slow

CALL = ("来电人李建华（电话13836457890）反映：南岗派出所办理他家门市房被砸一案，去年十月报的案，到现在八个月了没有任何进展，"
        "他多次去所里问，值班民警说办案民警不在，打办案民警电话也不接，要求尽快给个说法。")
POST = ("报案八个月没进展\n南岗派出所办案民警办理我家门市房被砸一案，去年十月报的案，到现在八个月了没有任何进展！！"
        "我多次去所里问，值班民警说办案民警不在，打办案民警电话也不接。请求尽快给个说法。")
BRIBE = ("来电人张建国（身份证230302196705121234）反映：刑侦大队的办案民警收了对方的钱，把责任全推到他儿子身上，"
         "笔录也改了。张建国说要求上级调查。")


@pytest.fixture(scope="module")
def triager(trained_settings):
    from classifiers.triage import load_triager

    return load_triager(trained_settings)


def record(channel="hotline", source_id="RX1", text=CALL, **kw) -> CanonicalComplaint:
    base = dict(channel=channel, source_id=source_id, received_at=datetime(2018, 6, 12, 14, 2), text=text,
                raw=f'{{"id": "{source_id}"}}')
    base.update(kw)
    return CanonicalComplaint(**base)


def test_store_redacts_links_triages_and_keeps_contacts_apart(database_url, triager):
    factory = connect(database_url)
    records = [
        record(source_id="RX9", reporter_name="李建华", reporter_phones=("13836457890",)),
        record("online", "WS3", POST, received_at=datetime(2018, 6, 12, 9, 5), reporter_phones=("13836457890",)),
        record(source_id="RX7", text=BRIBE, reporter_name="张建国", reporter_phones=("18945671023",)),
    ]
    with session_scope(factory) as s:
        outcomes = store_complaints(s, records, triager, options=IntakeOptions(run_date="2018-06-12"))
    assert [o.created for o in outcomes] == [True, True, True]
    assert outcomes[0].case_id == outcomes[1].case_id != outcomes[2].case_id
    assert all(o.triage is not None and o.triage.model_version for o in outcomes)
    with session_scope(factory) as s:
        stored = {c.source_id: c for c in s.scalars(select(Complaint))}
        assert s.scalar(select(func.count()).select_from(Case)) == 2
        assert s.scalar(select(func.count()).select_from(TriageRow)) == 3
        for c in stored.values():
            for secret in ("李建华", "13836457890", "张建国", "230302196705121234", "18945671023"):
                assert secret not in c.text
        assert stored["RX7"].text.count("***") >= 2  # 来电人 *** and the bare 张建国 later in the text
        contact = contacts.read_contact(s, stored["RX7"].id, actor="test", reason="核实")
        assert contact.name == "张建国" and contact.phones == ("18945671023",)
        assert contact.id_numbers == ("230302196705121234",)
        assert stored_triage(s, stored["RX7"].id).categories == outcomes[2].triage.categories


def test_rerun_exact_repeat_and_conflicting_id(database_url, triager):
    factory = connect(database_url)
    opts = IntakeOptions(run_date="2018-06-12")
    with session_scope(factory) as s:
        first = store_complaints(s, [record(), record()], triager, options=opts)  # exact repeat in one batch
    assert [o.created for o in first] == [True, False]
    assert first[0].complaint_id == first[1].complaint_id
    changed = record(text="来电人反映：完全不同的一件事，区检察院不答复复议申请。", raw='{"id": "RX1", "v": 2}')
    with session_scope(factory) as s:
        again = store_complaints(s, [record(), changed, changed], triager, options=opts)
    assert [o.created for o in again] == [False, False, False]
    assert [o.quarantined for o in again] == [None, "source_id_conflict", "source_id_conflict"]
    with session_scope(factory) as s:
        store_complaints(s, [changed], triager, options=opts)  # quarantined once, not twice
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1
        items = s.scalars(select(QuarantineItem)).all()
        assert [(q.reason, q.source_id, q.run_date) for q in items] == [("source_id_conflict", "RX1", "2018-06-12")]
        assert s.scalar(select(func.count()).select_from(ReporterContact)) == 1  # from the text of RX1


def test_blank_and_overlong_records_are_quarantined_by_the_store_path(database_url, triager):
    factory = connect(database_url)
    with session_scope(factory) as s:
        blank = record().model_copy(update={"text": "  "})
        outcomes = store_complaints(s, [blank, record("online", "W2", text="太长了" * 10)], triager,
                                    options=IntakeOptions(max_text_chars=20))
    assert [o.quarantined for o in outcomes] == ["empty_text", "text_too_long"]
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0
        assert s.scalar(select(func.count()).select_from(QuarantineItem)) == 2


def test_near_duplicate_links_to_a_case_stored_in_an_earlier_batch(database_url, triager):
    factory = connect(database_url)
    with session_scope(factory) as s:
        (a,) = store_complaints(s, [record()], triager)
    with session_scope(factory) as s:
        b, c = store_complaints(s, [record("online", "WS3", POST), record("online", "WS4", BRIBE)], triager)
    assert b.case_id == a.case_id and c.case_id != a.case_id


def test_precomputed_masking_and_a_shared_shingle_memory_store_the_same(database_url, triager):
    from pipelines.intake import protect_records
    from pipelines.linking import ShingleMemory

    factory = connect(database_url)
    memory = ShingleMemory(shingle=IntakeOptions().dedupe.shingle)
    first = [record(), record("online", "WS4", BRIBE), record("online", "W5").model_copy(update={"text": "  "})]
    with session_scope(factory) as s:
        a, bribe, blank = store_complaints(s, first, triager, protected=protect_records(first, 20_000),
                                           shingles=memory)
    assert blank.quarantined == "empty_text" and len(memory) == 2
    second = [record("online", "WS3", POST)]
    with session_scope(factory) as s:
        (b,) = store_complaints(s, second, triager, protected=protect_records(second, 20_000), shingles=memory)
    assert b.case_id == a.case_id != bribe.case_id
    with session_scope(factory) as s:
        text = s.scalar(select(Complaint.text).where(Complaint.source_id == "RX1"))
    assert "13836457890" not in text and "李建华" not in text
