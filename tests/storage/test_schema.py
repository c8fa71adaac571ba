"""Storage works the same on SQLite and PostgreSQL: migrations, constraints, the audited contact reader."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from qingfeng.storage import contacts
from qingfeng.storage.db import connect, current_revision, session_scope, upgrade
from qingfeng.storage.tables import AuditLog, Base, Complaint


def _complaint(**kw) -> Complaint:
    base = dict(channel="hotline", source_id="GD-1", received_at=datetime(2018, 5, 1, 9, 30),
                text="来电人***反映派出所不出警", content_hash="h" * 64)
    base.update(kw)
    return Complaint(**base)


def test_upgrade_creates_every_table_and_is_idempotent(database_url):
    factory = connect(database_url)
    engine = factory.kw["bind"]
    names = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert current_revision(engine) is not None
    upgrade(engine)  # a second upgrade is a no-op
    assert set(inspect(engine).get_table_names()) == names


def test_channel_and_source_id_are_unique(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        s.add(_complaint())
    with pytest.raises(IntegrityError):
        with session_scope(factory) as s:
            s.add(_complaint())
    with session_scope(factory) as s:  # the same source id on another channel is a different record
        s.add(_complaint(channel="online"))
        assert len(s.scalars(select(Complaint)).all()) == 2


def test_reading_a_contact_is_audited(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        c = _complaint()
        s.add(c)
        s.flush()
        contacts.store_contact(s, c.id, name="王建国", phones=["13912345678"], id_numbers=[])
        cid = c.id
    with session_scope(factory) as s:
        contact = contacts.read_contact(s, cid, actor="analyst-li", reason="核实举报线索")
    assert contact is not None and contact.phones == ("13912345678",)
    with session_scope(factory) as s:
        entries = s.scalars(select(AuditLog)).all()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("analyst-li", "read_reporter_contact", f"complaint:{cid}")
    ]


def test_contact_reader_requires_actor_and_reason(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s, pytest.raises(ValueError):
        contacts.read_contact(s, 1, actor="", reason="")
