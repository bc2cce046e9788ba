"""Fuzz the HTTP API with schemathesis against the app's own OpenAPI schema: no input is a 500.

The schema comes from `app.openapi()` in-process (the served /openapi.json is behind the login); the
requests go through schemathesis' ASGI transport with a logged-in session cookie and CSRF header.
Each operation is fuzzed twice: with generated path parameters (mostly unknown profiles → 404) and
with name=acme, an existing profile, so the handlers behind the 404 are reached too.
"""

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from app.answers import Answers
from app.main import create_app
from app.web.auth import COOKIE
from tests.services.wizard import TOKEN, Client, make_settings

SKIP = {("POST", "/logout")}  # would end the fuzzing session; covered in test_security_auth
FEW = {("POST", "/p/{name}/hardware/probe-local"): 2}  # measures this host: slow, same code every time
EXAMPLES = 15


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    app = create_app(make_settings(tmp_path_factory.mktemp("fuzz"), check_timeout=1.0), token=TOKEN)
    with Client(app) as c:
        c.login()
        auth = {"headers": {"X-CSRF-Token": c.csrf}, "cookies": {COOKIE: c.cookies.get(COOKIE)}}
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    return app, schema, auth


def _operations():
    app = create_app(make_settings(Path(tempfile.mkdtemp())), token=TOKEN)
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            if (method.upper(), path) not in SKIP:
                yield pytest.param(method.upper(), path, id=f"{method.upper()} {path}")


@pytest.mark.parametrize("method,path", list(_operations()))
def test_no_server_errors(fuzz_target, method, path):
    app, schema, auth = fuzz_target
    operation = schema[path][method]
    store = app.state.store
    n = FEW.get((method, path), EXAMPLES)
    variants = [{}]
    if "{name}" in path:
        variants.append({"name": "acme"})
    failures, statuses = [], set()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for params in variants:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=params or None)

            @settings(
                max_examples=n, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
            )
            @given(case=strategy)
            def run(case):
                if store.get_answers("acme") is None:
                    store.create_profile(Answers(schema=1, profile="acme"))
                response = case.call(**auth)
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    failures.append(
                        (response.status_code, case.path_parameters, case.query, case.body, response.text[:200])
                    )

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (e.g. only a pinned path parameter)
                assert mode is GenerationMode.NEGATIVE
    assert failures == []
    assert statuses - {401, 403}, "every request was refused by auth/CSRF: the fuzzing reached no handler"


@pytest.mark.parametrize(
    "url,status",
    [
        pytest.param("/p/acme/node-reports/846131560156505535676416/delete", 303, id="report-id-overflow"),
        pytest.param("/p/acme/node-reports/-1/delete", 303, id="report-id-negative"),
    ],
)
def test_found_by_fuzzing(client, url, status):
    """Cases schemathesis found (500s before the fix), kept as plain regressions."""
    client.create("acme")
    assert client.post_form(url, follow_redirects=False).status_code == status


@pytest.mark.parametrize("run", ["846131560156505535676416", "-5", "0"])
def test_run_id_out_of_range_is_404(client, run):
    client.create("acme")
    assert client.get(f"/p/acme/checks/hardware?run={run}").status_code == 404
