"""The deploy step's air-gapped and day-two fields, and the review page showing the registry and the
backup target (in the page and in the topology picture)."""

import re


def test_deploy_step_groups_and_review_show_registry_and_backups(client):
    client.create("acme")
    page = client.get("/p/acme/deploy").text
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends[:4] == ["Deployment", "Air-gapped installs", "Day two: backups", "License"]
    for name in (
        "deploy.registry",
        "deploy.chart_repo",
        "deploy.chart_version",
        "operations.backup_dir",
        "operations.backup_retention_days",
        "operations.backup_hour",
    ):
        assert f'name="{name}"' in page

    r = client.post_form(
        "/p/acme/deploy",
        {
            "version": "1",
            "deploy.target": "helm-operator",
            "deploy.registry": "registry.acme.internal:5000/mirror",
            "deploy.chart_repo": "https://charts.acme.internal/wandb",
            "deploy.chart_version": "0.43.8",
            "operations.backup_dir": "/srv/wandb-backups",
            "operations.backup_retention_days": "14",
            "operations.backup_hour": "3",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    review = client.get("/p/acme/review").text
    ops = review[review.index('data-testid="review-ops"') :]
    assert "registry.acme.internal:5000/mirror" in ops and "https://charts.acme.internal/wandb" in ops
    assert "/srv/wandb-backups" in ops and "daily at 03:00, kept 14 days" in ops
    svg = review[review.index("<svg") : review.index("</svg>")]
    registry = svg[svg.index('data-box="registry"') :]
    assert "Image registry" in registry and "registry.acme.internal:5000/mirror<" in registry
    backups = svg[svg.index('data-box="backups"') :]
    assert "/srv/wandb-backups<" in backups and "daily at 03:00, kept 14 days" in backups


def test_out_of_range_backup_hour_is_refused_naming_the_field(client):
    client.create("acme")
    r = client.post_form("/p/acme/deploy", {"version": "1", "operations.backup_hour": "24"}, follow_redirects=False)
    assert r.status_code == 422
    assert "operations.backup_hour" in r.text


def test_review_without_registry_says_the_internet_is_needed(client):
    client.create("acme")
    review = client.get("/p/acme/review").text
    assert "public registries (needs the internet)" in review[review.index('data-testid="review-registry"') :]
