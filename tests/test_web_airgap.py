"""The deploy step's air-gapped and day-two fields, and the review page showing the registry and the
backup target (in the page and in the topology picture)."""

import re


def test_deploy_step_groups_and_review_show_registry_and_backups(client):
    client.create("acme")
    page = client.get("/p/acme/deploy").text
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends[:5] == ["Deployment", "Replicas and resources", "Air-gapped installs", "Day two: backups", "License"]
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


def test_replicas_and_resources_are_folded_and_open_on_their_error(client):
    """Sized from the Hardware page's advice, they are folded; a refused value opens the fold at its field."""
    client.create("acme")
    page = client.get("/p/acme/deploy").text
    scale = page[
        page.index('data-testid="fold-deploy-scale"') - 300 : page.index("<legend>Air-gapped installs</legend>")
    ]
    assert (
        '<details class="fold">' in scale and 'name="deploy.cpu_request"' in scale and 'name="deploy.replicas"' in scale
    )
    r = client.post_form("/p/acme/deploy", {"version": "1", "deploy.replicas": "0"}, follow_redirects=False)
    assert r.status_code == 422 and "deploy.replicas" in r.text
    scale = r.text[
        r.text.index("<legend>Replicas and resources</legend>") : r.text.index("<legend>Air-gapped installs</legend>")
    ]
    assert '<details class="fold" open>' in scale


def test_review_without_registry_says_the_internet_is_needed(client):
    client.create("acme")
    review = client.get("/p/acme/review").text
    assert "public registries (needs the internet)" in review[review.index('data-testid="review-registry"') :]


def test_registry_credentials_on_the_deploy_step_password_masked_never_echoed(client):
    client.create("acme")
    page = client.get("/p/acme/deploy").text
    airgap = page[page.index("<legend>Air-gapped installs</legend>") :]
    airgap = airgap[: airgap.index("</fieldset>")]
    for name in ("deploy.registry_username", "deploy.registry_password", "deploy.registry_ca_pem"):
        assert f'name="{name}"' in airgap, name
    field = airgap[airgap.rindex("<input", 0, airgap.index('name="deploy.registry_password"')) :]
    assert 'type="password"' in field[: field.index(">")]
    assert "<textarea" in airgap[airgap.index('name="deploy.registry_username"') :]  # the CA: a PEM widget
    password = "REGISTRY-pw-9f8e7d"
    r = client.post_form(
        "/p/acme/deploy",
        {
            "version": "1",
            "deploy.registry": "registry.acme.internal:5000/mirror",
            "deploy.registry_username": "puller",
            "deploy.registry_password": password,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    again = client.get("/p/acme/deploy").text
    assert password not in again and 'value="puller"' in again
    assert password not in client.get("/p/acme/review").text
    bundle = client.get("/p/acme/bundle.zip")
    assert bundle.status_code == 200 and password.encode() not in bundle.content


def test_registry_user_with_a_colon_is_refused_naming_the_field(client):
    client.create("acme")
    r = client.post_form(
        "/p/acme/deploy",
        {"version": "1", "deploy.registry": "registry.acme.internal", "deploy.registry_username": "a:b"},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "deploy.registry_username" in r.text
