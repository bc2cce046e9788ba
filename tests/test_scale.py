"""Scale (issue 22): the deploy page's paged fleet view, the topology's fleet summary, node-check
results stored as summaries that do not grow with the fleet, the newest result per check from one
query, and the paged profile list."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.answers import parse_document
from app.checks.engine import run_checks_sync
from tests import factories as f
from tests.test_nodes_checks import ANSWERS, NODE_IDS, report

PROFILE = "acme-prod"


def fleet(count: int, failing_every: int = 10) -> list[dict]:
    """`count` node reports: every `failing_every`-th app node cannot reach the database; every
    fourth node a client."""
    out = []
    for i in range(count):
        role = "client" if i % 4 == 3 else "app"
        bad = role == "app" and i % failing_every == 0
        out.append(
            report(
                f"gpu-{i:04d}",
                role,
                **({"reach.database.ok": False, "reach.database.error": "connection refused"} if bad else {}),
            )
        )
    return out


def _store_with(client, reports: list[dict]):
    client.create(PROFILE)
    store = client.app.state.store
    store.save_answers(parse_document(ANSWERS), replace=True)
    for r in reports:
        store.add_node_report(PROFILE, r)
    return store


def _nodes(page: str) -> list[str]:
    table = page.split('data-testid="fleet-nodes"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-node="([^"]+)"', table)


def test_store_fleet_counts_orders_failing_first_pages_and_filters(client):
    reports = fleet(120)
    store = _store_with(client, reports)
    failing = sorted(r["node"] for r in reports if not r["reach"]["database"]["ok"])
    page = store.node_fleet(PROFILE, limit=50)
    assert page.total == 120 and page.matching == 120 and page.failing == len(failing) == 12
    assert page.counts == {"app": {"ok": 78, "fail": 12}, "client": {"ok": 30, "fail": 0}}
    assert [r["node"] for _, r in page.reports[:12]] == failing  # failing nodes first, then by name
    assert [r["node"] for _, r in page.reports[12:15]] == ["gpu-0001", "gpu-0002", "gpu-0003"]
    last = store.node_fleet(PROFILE, offset=100, limit=50)
    assert len(last.reports) == 20 and last.matching == 120
    assert store.node_fleet(PROFILE, status="ok", role="client", limit=500).matching == 30
    found = store.node_fleet(PROFILE, search="gpu-001")
    assert sorted(r["node"] for _, r in found.reports) == [f"gpu-001{i}" for i in range(10)]
    assert store.node_fleet(PROFILE, search="%").matching == 0  # LIKE wildcards are literal


def test_deploy_page_shows_counts_failing_first_one_page_and_filters(client):
    _store_with(client, fleet(120))
    page = client.get(f"/p/{PROFILE}/deploy").text
    counts = page.split('data-testid="fleet-counts"', 1)[1].split("</table>", 1)[0]
    assert "120 nodes reported, 12 with problems" in counts
    assert "✔ 78" in counts and "✖ 12" in counts and "✔ 30" in counts
    rows = _nodes(page)
    assert len(rows) == 50 and rows[0] == "gpu-0000" and rows[11] == "gpu-0110" and rows[12] == "gpu-0001"
    assert 'data-testid="fleet-pager"' in page and "Page 1 of 3" in page
    last = client.get(f"/p/{PROFILE}/deploy?page=3").text
    assert len(_nodes(last)) == 20 and 'rel="prev"' in last and 'rel="next"' not in last
    failing = client.get(f"/p/{PROFILE}/deploy?nodes=fail").text
    assert len(_nodes(failing)) == 12 and 'data-testid="fleet-pager"' not in failing
    clients = _nodes(client.get(f"/p/{PROFILE}/deploy?role=client&q=gpu-00").text)
    assert clients and all(int(n[4:]) % 4 == 3 and n.startswith("gpu-00") for n in clients)
    assert "No node matches" in client.get(f"/p/{PROFILE}/deploy?q=nothing-like-this").text
    # Bad filter values are ignored, never an error.
    assert len(_nodes(client.get(f"/p/{PROFILE}/deploy?page=-4&nodes=x&role=../").text)) == 50


def test_deploy_page_stays_small_with_a_big_fleet(client):
    _store_with(client, fleet(600))
    page = client.get(f"/p/{PROFILE}/deploy")
    assert page.status_code == 200 and len(page.content) < 100 * 1024
    assert len(_nodes(page.text)) == 50


def test_review_topology_summarises_the_fleet(client):
    _store_with(client, fleet(40))
    svg = client.get(f"/p/{PROFILE}/review").text.split('data-box="nodes"', 1)[1].split("</g>", 1)[0]
    assert "40 nodes, 4 with problems:" in svg and "✖ gpu-0000" in svg
    assert svg.count("gpu-") <= 3


def test_node_results_are_summaries_that_do_not_grow_with_the_fleet():
    answers = parse_document(ANSWERS)

    def results(n):
        return {
            r.id: r.to_dict()
            for r in run_checks_sync(answers, only=NODE_IDS, node_reports=fleet(n, 5), timeout=5).results
        }

    small, big = results(100), results(1000)
    for check_id in NODE_IDS:
        assert len(json.dumps(big[check_id])) < len(json.dumps(small[check_id])) + 200, check_id
        assert len(json.dumps(big[check_id])) < 4096, check_id
    db = big["deploy.node.database"]
    assert db["status"] == "fail" and "gpu-0000: connection refused" in str(db["message"])
    assert str(db["message"]).count("gpu-") == 10 and "and 140 more" in str(db["message"])
    assert db["observed"]["nodes"] == 750 and db["observed"]["failing"] == 150
    assert len(db["observed"]["first"]) == 10 and db["observed"]["first"]["gpu-0000"] is False
    host = big["deploy.node.host"]
    assert host["status"] == "pass" and host["observed"] == {
        "nodes": 1000,
        "failing": 0,
        "first": {f"gpu-{i:04d}": ["10.0.0.5"] for i in range(10)},
    }
    # A small fleet keeps every node's value, as before.
    few = run_checks_sync(answers, only=["deploy.node.database"], node_reports=fleet(3), timeout=5).results[0]
    assert few.observed == {"gpu-0000": False, "gpu-0001": True, "gpu-0002": True}


def test_latest_results_are_the_newest_per_check_from_the_stored_summaries(client):
    store = _store_with(client, [])
    answers = parse_document(ANSWERS)
    results = run_checks_sync(answers, only=NODE_IDS, node_reports=fleet(1000, 5), timeout=5).results
    for run in range(3):
        run_id = store.start_run(PROFILE, "deploy", f"digest-{run}", len(results))
        for r in results:
            store.add_result(run_id, {**r.to_dict(), "duration_ms": run})
        store.finish_run(run_id)
    latest = store.latest_results(PROFILE)
    assert set(latest) == set(NODE_IDS)
    for check_id, (data, run) in latest.items():
        assert data["duration_ms"] == 2 and run.digest == "digest-2" and run.status == "done"
    assert latest["deploy.node.database"][0]["observed"]["failing"] == 150
    assert store.latest_results(PROFILE) == latest  # read-only


def test_profile_list_pages_sorts_and_searches(client):
    store = client.app.state.store
    for i in range(60):
        store.save_answers(f.answers(f.MINIMAL, profile=f"site-{i:02d}"), replace=True)
    store.save_answers(f.answers(f.MINIMAL, profile="zeta"), replace=True)
    page = client.get("/").text
    names = re.findall(r'<tr data-profile="([^"]+)"', page)
    assert names == [f"site-{i:02d}" for i in range(25)] and "Page 1 of 3" in page
    assert re.findall(r'<tr data-profile="([^"]+)"', client.get("/?page=3").text) == [
        f"site-{i:02d}" for i in range(50, 60)
    ] + ["zeta"]
    assert re.findall(r'<tr data-profile="([^"]+)"', client.get("/?sort=updated").text)[0] == "zeta"
    assert re.findall(r'<tr data-profile="([^"]+)"', client.get("/?q=site-1").text) == [
        f"site-{i:02d}" for i in range(10, 20)
    ]
    assert "No profile matches" in client.get("/?q=_").text
    assert store.count_profiles() == 61 and [p.name for p in store.list_profiles(search="zet")] == ["zeta"]


def test_every_check_module_belongs_to_a_step():
    """Checks register per step (app/checks/__init__.py): a new check module must be listed there."""
    import pkgutil

    import app.checks
    from app.checks.engine import checks_for

    listed = {m for mods in app.checks.STEP_MODULES.values() for m in mods}
    with_checks = {
        m.name
        for m in pkgutil.iter_modules(app.checks.__path__)
        if "check(" in (Path(app.checks.__path__[0]) / f"{m.name}.py").read_text() and m.name not in ("engine",)
    }
    assert with_checks == listed
    steps = {c.step for c in checks_for(app.checks.STEP_MODULES)}  # checks_for() alone: the pre-install steps
    assert steps == set(app.checks.STEP_MODULES)
    for step, mods in app.checks.STEP_MODULES.items():
        assert {c.id.split(".")[0] for c in checks_for([step])} == {step}


def test_migration_judges_node_reports_stored_before_it(tmp_path):
    """0002 adds NodeReport.ok and judges the rows already stored (failing ones come first after it)."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from app.resources import resource_dir
    from app.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    cfg = Config()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO profile (id, name, document, version, last_step, created_at, updated_at) "
                "VALUES (1, 'acme-prod', '{}', 1, 'deploy', '2026-01-01', '2026-01-01')"
            )
        )
        for i, r in enumerate([report("app-1"), report("app-2", **{"reach.database.ok": False})]):
            conn.execute(
                sa.text(
                    "INSERT INTO nodereport (id, profile_id, node, role, measured_at, data) "
                    "VALUES (:i, 1, :n, 'app', '2026-01-01', :d)"
                ),
                {"i": i + 1, "n": r["node"], "d": json.dumps(r)},
            )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        assert dict(conn.execute(sa.text("SELECT node, ok FROM nodereport")).all()) == {"app-1": 1, "app-2": 0}
