"""Shared fixtures. Real services (MariaDB, SeaweedFS, HTTPS servers, the Kubernetes API stand-in)
live in tests/services/, one module each, registered here as plugins.

Markers (registered in pyproject.toml), for `make test-fast` (`-m "not browser and not services and
not slow"`); `make test` runs everything:
- `browser`: Playwright in Chromium (set by the browser modules themselves);
- `services`: the test uses a real service process (MariaDB, SeaweedFS, nginx, the wizard served by
  uvicorn, the demo's stand-ins) — applied here from the fixtures it asks for;
- `slow`: a module or test that builds, installs, fuzzes or runs programs in subprocesses
  (SLOW_MODULES, SLOW_TESTS), applied here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"tests.services.{p.stem}" for p in (Path(__file__).parent / "services").glob("*.py") if p.stem != "__init__"
)

SERVICE_FIXTURES = frozenset(
    {
        "mariadb_default",
        "mariadb_tuned",
        "mariadb_tls",
        "seaweedfs",
        "nginx_proxy",
        "wandb_site",
        "live_server",
        "oci_registry_factory",
        "demo",
        "demo_client",
    }
)
# Modules whose tests build a wheel, install it, run helm or a fuzzer, or kill processes on purpose.
SLOW_MODULES = frozenset(
    {
        "test_installed",
        "test_scale",
        "test_durability_kill",
        "test_durability_mysql",
        "test_security_fuzz",
        "test_consumers_helm",
        "test_consumers_compose_k8s",
        "test_consumers_minio",
        "test_consumers_nginx",
        "test_bundle_external",
        "test_airgap",
        "test_web_airgap",
        "test_runbook_profile",
        # the CLI or other programs in subprocesses, test by test
        "test_i18n",
        "test_i18n_messages",
        "test_registry_bundle",
        "test_probe",
        "test_probe_script",
        "test_node_probe",
        "test_nodes_report",
        "test_nodes_checks",
        "test_support_bundle",
        "test_tls_served",
        "test_verify_web",
        "test_verify_rollout",
        "test_ops_backup",
        "test_security_secrets",
        "test_bundle_cli",
        "test_demo",
        "test_database_checks",
    }
)
# Single slow tests (a subprocess, a real mariadbd, every target rendered and validated) in modules
# that are otherwise fast, by name prefix.
SLOW_TESTS = (
    "test_kubernetes_validate_strict_cli",
    "test_redacted_compose_interpolates_placeholders",
    "test_compose_file_exact_for_docker_compose",
    "test_cli_json_report_never_contains_the_kubeconfig_token",
    "test_cnf_is_read_by_a_real_mariadbd",
    "test_artifacts_pass_for_every_target_and_tls_mode",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if {"page", "browser", "context"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)  # Playwright's fixtures
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
        if "mariadb" in getattr(getattr(item, "callspec", None), "id", ""):
            item.add_marker(pytest.mark.services)  # a store or engine parametrized over real MariaDB
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module is not None else ""
        if module in SLOW_MODULES or item.name.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
