"""Property-based fuzzing of the OpenAPI schema (schemathesis strategies driven by hypothesis): no input
the schema allows, or breaks, makes the server answer 5xx, and every error has the JSON error shape.
Bounded: a few examples per operation and mode.

(``schemathesis.pytest.from_fixture`` is not used: in schemathesis 4.32 with pytest 9 it fails on
``request.node._nodeid``; building the strategies per operation inside one test needs no fixture magic.)
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode

from qingfeng.settings import Settings
from serving.app import create_app
from tests.api.conftest import make_keys

EXAMPLES = 12


@pytest.fixture
def fuzz_target(tmp_path, trained_settings):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'fuzz.db'}", model_dir=trained_settings.model_dir,
                        reports_dir=tmp_path / "reports", api_rate_limit_per_minute=100_000)
    keys = make_keys(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    operations = [result.ok() for result in schema.get_all_operations()]
    return operations, keys


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors(fuzz_target, mode):
    operations, keys = fuzz_target
    assert {op.path for op in operations} >= {"/v1/triage", "/v1/complaints", "/v1/labels", "/v1/review-queue"}
    seen: list[tuple[str, str, int]] = []
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck))
        def check(case):
            case.headers = {**(case.headers or {}), "X-API-Key": keys["admin"]}  # fuzz the inputs, not the key
            response = case.call()
            seen.append((case.method, case.path, response.status_code))
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
            if response.status_code >= 400:
                assert set(response.json()) == {"code", "message", "detail"}

        try:
            check()
        except hypothesis.errors.Unsatisfiable:
            # an operation with no inputs (GET /healthz) has no invalid input to generate
            assert mode is GenerationMode.NEGATIVE
    exercised = {(method.upper(), path) for method, path, _ in seen}
    assert {("POST", "/v1/triage"), ("POST", "/v1/triage/batch"), ("POST", "/v1/complaints"),
            ("POST", "/v1/labels"), ("GET", "/v1/review-queue")} <= exercised
