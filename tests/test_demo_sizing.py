"""The demo follows the wizard's own sizing advice, and `deploy.resources` warns below it (#31 item 7)."""

from __future__ import annotations

from app.answers import parse_document
from app.checks.engine import run_checks_sync
from app.demo.profile import demo_document
from app.sizing import recommend

DEMO = dict(
    mysql_port=3306,
    mysql_password="pw-demo-1",
    s3_endpoint="http://127.0.0.1:9",
    bucket="wandb-files",
    region="us-east-1",
    access_key="AK",
    secret_key="SK-demo-1",
    host="https://wandb.demo.internal",
    cert_pem="C",
    key_pem="K",
    ca_pem="A",
)


def resources(doc: dict):
    report = run_checks_sync(parse_document(doc), only=["deploy.resources"])
    return report.results[0]


def test_the_demo_is_an_example_of_the_advice():
    doc = demo_document(**DEMO)
    answers = parse_document(doc)
    advice = recommend(answers.hardware.app, answers.deploy.target)
    assert advice is not None and (advice.cpu_request, advice.memory_request_gib, advice.replicas) == (4, 8, 2)
    d = answers.deploy
    assert (d.cpu_request, d.memory_request, d.replicas) == ("4", "8Gi", 2)
    assert resources(doc).status == "pass"


def test_resources_warn_below_the_advice():
    doc = demo_document(**DEMO)
    doc["deploy"].update(cpu_request="2", memory_request="4Gi", replicas=1)
    result = resources(doc)
    assert result.status == "warn"
    assert str(result.message) == (
        "below the sizing advice for these application nodes: cpu request 2 < 4; memory request 4Gi < 8Gi; "
        "replicas 1 < 2"
    )
    assert "deploy.cpu_request 4" in str(result.hint) and "deploy.replicas 2" in str(result.hint)


def test_docker_compose_advises_one_replica():
    doc = demo_document(**DEMO)
    doc["deploy"].update(target="docker-compose", replicas=1)
    assert resources(doc).status == "pass"


def test_the_hardware_page_shows_the_same_advice():
    from pathlib import Path

    template = (Path(__file__).resolve().parent.parent / "templates" / "_step_hardware.html").read_text()
    assert "recommend_resources(" in template and "/ 2" not in template  # one rule, in app/sizing.py
