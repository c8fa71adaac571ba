"""The online API as a flow source, and the commands: nightly run, complaints export, quarantine list, run-sample."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qingfeng.cli.main import app
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Complaint, IngestionRun
from tests.flows.conftest import copy_samples
from tests.flows.test_nightly_flow import PLANTED
from tests.online_api_server import FlakyMessageApi, serve_api

pytestmark = pytest.mark.slow


def _message(i: int, **kw) -> dict:
    base = {"msg_id": f"API{i:04d}", "submitted_at": "2018-06-12T10:00:00+08:00", "title": "",
            "content": f"第{i}号留言：区法院执行局的案子执行了{i + 1}个月还没结果，法官电话也不接", "contact": "13800000000"}
    base.update(kw)
    return base


def test_online_api_source_with_failures_and_since_cursor(nightly_env_factory, tmp_path):
    from pipelines.nightly import nightly

    env = nightly_env_factory("online-api")
    items = [_message(i) for i in range(450)] + [_message(450, content=" "), "not an object"]
    api = FlakyMessageApi(items, {1: "503", 3: "garbage", 4: "503"})
    empty = tmp_path / "nothing"
    empty.mkdir()
    with serve_api(api) as url, pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        first = nightly(date=dt.date(2018, 6, 12), source_dir=str(empty), online_api_url=url)
        api.items = items + [_message(999)]  # one more message arrives the next day
        second = nightly(date=dt.date(2018, 6, 13), source_dir=str(empty), online_api_url=url)
    assert first["stored"] == 450 and first["quarantined"] == 2
    assert first["online_api"]["cursor"] == "452" and first["online_api"]["pages"] == 3
    assert second["stored"] == 1 and second.get("quarantined", 0) == 0
    assert {"since": "452", "page_size": "200"} in api.requests
    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        texts = [c.text for c in s.scalars(select(Complaint))]
        assert [r.status for r in s.scalars(select(IngestionRun))] == ["completed", "completed"]
    assert all("13800000000" not in t for t in texts)


@pytest.fixture(scope="module")
def cli_env(nightly_env_factory):
    env = nightly_env_factory("cli")
    source = copy_samples(env.root / "source")
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        result = CliRunner().invoke(app, ["nightly", "run", "--date", "2018-06-12", "--source-dir", str(source)])
    assert result.exit_code == 0, result.output
    return env, result.output


def test_nightly_run_command_prints_counts_and_report(cli_env):
    env, output = cli_env
    assert "新入库 30 件" in output and "隔离 8 条" in output
    assert str(env.settings.reports_dir / "2018-06-12" / "report.md") in output


def test_complaints_export_by_date_and_by_time_window(cli_env, tmp_path):
    env, _ = cli_env
    out = tmp_path / "export.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        runner = CliRunner()
        by_date = runner.invoke(app, ["complaints", "export", "--date", "2018-06-12", "-o", str(out)])
        window = runner.invoke(app, ["complaints", "export", "--since", "2018-06-12T09:00:00",
                                     "--until", "2018-06-12T10:00:00"])
        clash = runner.invoke(app, ["complaints", "export", "--date", "2018-06-12", "--since", "2018-06-12"])
    assert by_date.exit_code == 0, by_date.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 30
    keys = {"id", "channel", "source_id", "received_at", "text", "categories", "agencies", "case_id",
            "needs_review", "model_version"}
    assert all(keys <= set(r) for r in rows) and all(r["model_version"] for r in rows)
    linked = [r["case_id"] for r in rows if r["source_id"] in ("RX20180612009", "WS1806120003")]
    assert len(linked) == 2 and linked[0] == linked[1]
    window_rows = [json.loads(line) for line in window.stdout.splitlines() if line.startswith("{")]
    assert window_rows and all("2018-06-12T09:00" <= r["received_at"] < "2018-06-12T10:00" for r in window_rows)
    assert {r["source_id"] for r in window_rows} == {"RX20180612003", "XB20180612-01", "XB20180612-02",
                                                     "XB20180612-03", "XB20180612-04", "WS1806120003"}
    assert clash.exit_code != 0
    dumped = out.read_text(encoding="utf-8") + window.stdout
    assert not [secret for secret in PLANTED if secret in dumped]


def test_quarantine_list_json_and_text(cli_env):
    env, _ = cli_env
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        runner = CliRunner()
        as_json = runner.invoke(app, ["quarantine", "list", "--date", "2018-06-12", "--json"])
        as_text = runner.invoke(app, ["quarantine", "list"])
        other_day = runner.invoke(app, ["quarantine", "list", "--date", "2018-06-13", "--json"])
    items = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(items) == 8
    assert all({"channel", "source_id", "reason"} <= set(i) for i in items)
    assert {"channel": "online", "reason": "malformed_json"}.items() <= next(
        i for i in items if i["reason"] == "malformed_json").items()
    assert "编号重复但内容不同" in as_text.stdout and other_day.stdout == ""
    assert not [secret for secret in PLANTED if secret in as_json.stdout + as_text.stdout]


def test_run_sample_command(nightly_env_factory):
    env = nightly_env_factory("run-sample")
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        result = CliRunner().invoke(app, ["run-sample"])
    assert result.exit_code == 0, result.output
    assert "新入库 30 件" in result.output
    assert (env.settings.reports_dir / "2018-06-12" / "report.html").is_file()


def test_nightly_serve_registers_a_cron_deployment(nightly_env_factory, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from prefect.client.orchestration import get_client

    from tests.flows.conftest import subprocess_env

    env = nightly_env_factory("serve")
    command = [sys.executable, "-m", "qingfeng.cli.main", "nightly", "serve", "--source-dir", "/srv/exports/{date}",
               "--cron", "30 1 * * *", "--name", "nightly-test"]
    proc = subprocess.Popen(command, env=subprocess_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deployment = None
    try:
        deadline = time.monotonic() + 120
        with get_client(sync_client=True) as client:
            while deployment is None and time.monotonic() < deadline and proc.poll() is None:
                try:
                    deployment = client.read_deployment_by_name("nightly-ingestion/nightly-test")
                except Exception:  # noqa: BLE001 - not registered yet
                    time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert deployment is not None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    schedule = deployment.schedules[0].schedule
    assert schedule.cron == "30 1 * * *" and schedule.timezone == "Asia/Shanghai"
    assert deployment.parameters == {"source_dir": "/srv/exports/{date}", "online_api_url": None}
