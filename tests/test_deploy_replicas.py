"""deploy.replicas (SPEC §4.5): several plain-manifest replicas need an external Redis and one
shared session key (issue 17 item 7); deploy.redis_url's shape is checked here (the answers model
cannot: redaction puts a placeholder there)."""

from __future__ import annotations

import pytest

from tests import factories as f

BASE = f.answers_doc(f.MINIMAL, profile="replicas-test", host="https://wandb.example.com")
REDIS = "redis://:p%40ss@redis.example.com:6379/0"


@pytest.mark.parametrize(
    "deploy,status",
    [
        pytest.param({"target": "kubernetes", "replicas": 1}, "pass", id="k8s-one"),
        pytest.param({"target": "kubernetes", "replicas": 3, "redis_url": REDIS}, "pass", id="k8s-three-redis"),
        pytest.param({"target": "kubernetes", "replicas": 3}, "fail", id="k8s-three-alone"),
        pytest.param({"target": "helm-operator", "replicas": 3}, "pass", id="operator"),
        pytest.param({"target": "docker-compose", "replicas": 1}, "pass", id="compose-one"),
        pytest.param({"target": "docker-compose", "replicas": 2, "redis_url": REDIS}, "warn", id="compose-two"),
        pytest.param(
            {"target": "kubernetes", "replicas": 2, "redis_url": "rediss://cache.example.com:6380"}, "pass", id="rediss"
        ),
    ],
)
def test_replicas_judgement(deploy, status):
    result = f.result(f.answers(BASE, deploy=deploy), "deploy.replicas")
    assert result.status == status, result
    assert result.hint if status != "pass" else not result.hint


def test_fail_says_why():
    result = f.result(f.answers(BASE, deploy={"target": "kubernetes", "replicas": 3}), "deploy.replicas")
    assert "each replica would keep its own sessions and cache" in str(result.message)
    assert "deploy.redis_url" in str(result.hint)


@pytest.mark.parametrize(
    "url",
    [
        "http://:secretpw@redis:6379",
        "redis://:secretpw@:6379",
        "redis://:secretpw@r:99999",
        "redis://:secretpw@r:6379/cache",
        "secretpw",
    ],
)
def test_bad_redis_url_fails_without_showing_it(url):
    result = f.result(
        f.answers(BASE, deploy={"target": "kubernetes", "replicas": 1, "redis_url": url}), "deploy.replicas"
    )
    assert result.status == "fail" and "deploy.redis_url" in str(result.message)
    assert "secretpw" not in f"{result.message} {result.hint} {result.observed}"
