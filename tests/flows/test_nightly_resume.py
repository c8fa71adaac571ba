"""A nightly run killed mid-way (a real subprocess) and started again finishes without loss or duplicates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Complaint, IngestionRun, QuarantineItem, TriageResult
from tests.flows.conftest import copy_samples, subprocess_env

pytestmark = pytest.mark.slow

DATE = "2018-06-12"


def _cli(source, *extra) -> list[str]:
    return [sys.executable, "-m", "qingfeng.cli.main", "nightly", "run", "--date", DATE, "--source-dir", str(source),
            *extra]


def _state(url: str):
    factory = connect(url)
    with session_scope(factory) as s:
        complaints = s.execute(select(Complaint.channel, Complaint.source_id)).all()
        quarantine = s.execute(select(QuarantineItem.channel, QuarantineItem.reason, QuarantineItem.payload_hash)).all()
        triaged = s.scalar(select(func.count(func.distinct(TriageResult.complaint_id))))
        runs = [r.status for r in s.scalars(select(IngestionRun).order_by(IngestionRun.id))]
    return sorted(map(tuple, complaints)), sorted(map(tuple, quarantine)), triaged, runs


def _run_in_process(env, source):
    from pipelines.nightly import nightly

    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        return nightly(date=dt.date.fromisoformat(DATE), source_dir=str(source))


def test_killed_after_a_commit_then_rerun_equals_one_clean_run(nightly_env_factory):
    clean = nightly_env_factory("clean")
    _run_in_process(clean, copy_samples(clean.root / "source"))
    expected = _state(clean.settings.database_url)

    crashed = nightly_env_factory("crashed")
    source = copy_samples(crashed.root / "source")
    env = subprocess_env(crashed, QINGFENG_CLASSIFY_CHUNK_SIZE="3", QINGFENG_FAULT_EXIT_AFTER_CHUNKS="4")
    result = subprocess.run(_cli(source), env=env, capture_output=True, timeout=600)
    assert result.returncode == 75, result.stderr.decode()[-2000:]
    complaints, quarantine, _, runs = _state(crashed.settings.database_url)
    assert 0 < len(complaints) < len(expected[0]) and runs == ["running"]

    _run_in_process(crashed, source)
    complaints, quarantine, triaged, runs = _state(crashed.settings.database_url)
    assert complaints == expected[0] and len(set(complaints)) == len(complaints)
    assert quarantine == expected[1]
    assert triaged == len(complaints)  # every stored complaint has its triage
    assert runs == ["running", "completed"]


def _many_calls(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工单编号", "来电时间", "来电号码", "来电人", "诉求内容"])
    places = ["红星派出所户籍窗口", "区法院执行局", "区检察院控告申诉窗口", "区司法局法律援助中心", "交警大队事故科"]
    for i in range(n):
        writer.writerow([f"K{i:05d}", f"2018-06-12 {i % 24:02d}:{i % 60:02d}:00", f"139{i:08d}", "王建国",
                         f"来电人王建国反映：第{i}次去{places[i % 5]}办事，工作人员让他回去补材料，前后跑了{i % 7 + 2}趟。"])
    return out.getvalue().encode("gb18030")


def test_sigkill_mid_run_then_rerun_stores_everything_once(nightly_env_factory):
    env = nightly_env_factory("sigkill")
    source = env.root / "source"
    (source / "hotline").mkdir(parents=True)
    (source / "hotline" / "calls.csv").write_bytes(_many_calls(300))
    proc = subprocess.Popen(_cli(source), env=subprocess_env(env, QINGFENG_CLASSIFY_CHUNK_SIZE="3"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    factory = connect(env.settings.database_url)
    deadline = time.monotonic() + 300
    stored = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with session_scope(factory) as s:
                stored = s.scalar(select(func.count()).select_from(Complaint))
            if stored >= 30:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert 30 <= stored < 300

    summary = _run_in_process(env, source)
    complaints, quarantine, triaged, runs = _state(env.settings.database_url)
    assert len(complaints) == len(set(complaints)) == 300
    assert triaged == 300 and quarantine == []
    assert summary["stored"] == 300 - summary["already_stored"]
    assert runs == ["running", "completed"]
