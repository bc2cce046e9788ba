"""The web's run service (app/web/runs.py) over the engine: the engine applies the ignores, once, and the
web judges a stored result by the same rule only against the ignores of the moment; a step's inputs
(what makes its results stale) come from its checks' declarations."""

from __future__ import annotations

import pytest

from app.answers import STEPS
from app.checks import engine
from app.checks.engine import Result, apply_ignore, check, checks_for, step_inputs
from app.run_sync import run_sync
from app.web import runs
from tests import factories as f

# The table app/web/runs.py kept by hand before the checks declared what they read (issue #29).
PREVIOUS_STEP_INPUTS = {
    "hardware": ("requirements", "hardware"),
    "database": ("requirements", "database"),
    # tls.expiry and object_store.clock_skew read the requirement set (expiry_warn_days, the clock_skew
    # limits) and now declare it: their results go stale when it changes (the table missed that).
    "object_store": ("host", "object_store", "requirements"),
    "tls": ("host", "tls", "requirements"),
    "deploy": None,  # the artifacts read everything
    "verify": ("host", "tls", "deploy", "verify"),
    "upgrade": None,  # the running version and the live servers: the whole document (no entry before)
}


@pytest.mark.parametrize("step", STEPS)
def test_step_inputs_derived_from_the_checks_equal_the_previous_table(step):
    derived = step_inputs(step)
    previous = PREVIOUS_STEP_INPUTS[step]
    assert (derived is None) == (previous is None)
    if previous is not None:
        assert derived is not None and set(derived) == set(previous)


def test_the_digest_reads_only_the_step_inputs():
    answers = f.answers(f.MINIMAL, profile="acme", hardware={"app": {"cpu_cores": 8}})

    class Box:  # the store's keyed digest, here the text itself
        def digest(self, text: str) -> str:
            return text

    class Store:
        box = Box()

    before = {step: runs.digest(Store(), answers, step) for step in STEPS}
    changed = answers.model_copy(update={"host": "https://wandb.example"})
    after = {step: runs.digest(Store(), changed, step) for step in STEPS}
    assert {s for s in STEPS if before[s] != after[s]} == {
        s for s, keys in PREVIOUS_STEP_INPUTS.items() if keys is None or "host" in keys
    }


def test_a_check_reading_an_unknown_answers_key_is_refused():
    with pytest.raises(ValueError, match="unknown answers keys"):
        check("hardware.test_only", "never registered", reads=["hardwre"])
    with pytest.raises(ValueError, match="unknown answers keys"):
        check("hardware.test_only", "never registered", needs=["hardwre.app.cpu_cores"])
    assert "hardware.test_only" not in engine.REGISTRY


def _result(status: str = "fail", **kw) -> Result:
    return Result(id="hardware.app.cpu", step="hardware", status=status, title="CPU", **kw)


def test_apply_ignore_is_the_one_rule():
    ignored = apply_ignore(_result(), {"hardware.app.cpu": "lab"})
    assert (ignored.status, ignored.original_status, ignored.ignored, ignored.ignore_reason) == (
        "warn",
        "fail",
        True,
        "lab",
    )
    assert apply_ignore(ignored, {"hardware.app.cpu": "lab"}) is ignored  # nothing new to apply
    assert apply_ignore(ignored, {"hardware.app.cpu": "new reason"}).ignore_reason == "new reason"
    lifted = apply_ignore(ignored, {})
    assert (lifted.status, lifted.ignored, lifted.original_status, lifted.ignore_reason) == ("fail", False, None, None)
    passing = _result("pass")
    assert apply_ignore(passing, {"hardware.app.cpu": "lab"}) is passing  # only a fail is downgraded
    assert apply_ignore(_result(), {"hardware.app.cpu": None}).status == "warn"  # the CLI's --ignore: no reason


@pytest.fixture
def counted(monkeypatch):
    """Every application of the ignore rule, by check id, wherever it is called from."""
    calls: list[str] = []
    real = engine.apply_ignore

    def spy(result, ignore):
        calls.append(result.id)
        return real(result, ignore)

    monkeypatch.setattr(engine, "apply_ignore", spy)
    monkeypatch.setattr(runs, "apply_ignore", spy)
    return calls


def test_a_web_run_applies_each_ignore_exactly_once(wizard_app, counted):
    store = wizard_app.state.store
    answers = f.answers(f.MINIMAL, profile="acme", hardware={"app": {"cpu_cores": 2, "arch": "x86_64"}})
    store.create_profile(answers)
    store.set_ignore("acme", "hardware.app.cpu", "lab cluster")
    ids = [c.id for c in checks_for(["hardware"])]

    async def run() -> tuple[int, list[dict]]:
        run_id = await runs.start(wizard_app, store, answers, "hardware", None, 3.0)
        feed = runs.feeds(wizard_app)[run_id]
        while not feed.done:
            await feed.waiter().wait()
        return run_id, feed.results

    run_id, heard = run_sync(run)
    assert sorted(counted) == sorted(ids)  # the engine, once per result; the run service adds nothing
    live = {r["id"]: r for r in heard}
    cpu = live["hardware.app.cpu"]
    assert (cpu["status"], cpu["original_status"], cpu["ignored"], cpu["ignore_reason"]) == (
        "warn",
        "fail",
        True,
        "lab cluster",
    )
    assert runs.row(cpu).status == "warn" and runs.row(cpu).ignored_reason == "lab cluster"
    _, stored = store.get_run(run_id)
    assert {r["id"]: r["status"] for r in stored}["hardware.app.cpu"] == "warn"  # stored as the engine judged

    counted.clear()
    rows, _ = runs.rows(store, answers, "hardware")
    assert sorted(counted) == sorted(ids)  # each stored result judged once by the current ignores
    by_id = {r.id: r for r in rows}
    assert by_id["hardware.app.cpu"].status == "warn" and by_id["hardware.app.cpu"].ignored_reason == "lab cluster"

    store.set_ignore("acme", "hardware.app.cpu", None)  # lifted after the run: no re-run needed
    counted.clear()
    rows, _ = runs.rows(store, answers, "hardware")
    assert sorted(counted) == sorted(ids)
    cpu_row = {r.id: r for r in rows}["hardware.app.cpu"]
    assert cpu_row.status == "fail" and cpu_row.result is not None and not cpu_row.result["ignored"]


def test_a_panel_whose_latest_results_were_read_before_the_run_ended_shows_every_result(wizard_app):
    """The page reads the newest results once, then the run: if the run ended in between (a loaded
    machine), its results come from the run itself, never shown as "never checked"."""
    store = wizard_app.state.store
    answers = f.answers(f.MINIMAL, profile="acme", hardware={"app": {"cpu_cores": 8, "arch": "x86_64"}})
    store.create_profile(answers)
    read_before = store.latest_results("acme")  # nothing yet
    assert read_before == {}

    async def run() -> int:
        run_id = await runs.start(wizard_app, store, answers, "hardware", None, 3.0)
        feed = runs.feeds(wizard_app)[run_id]
        while not feed.done:
            await feed.waiter().wait()
        return run_id

    run_id = run_sync(run)
    rows, progress = runs.rows(store, answers, "hardware", run_id, latest=read_before)
    assert progress["done"] and progress["counts"]["never"] == 0
    assert {r.id for r in rows} == {c.id for c in checks_for(["hardware"])}
    assert not any(r.stale for r in rows)  # the run's digest is the current one
