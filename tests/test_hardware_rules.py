"""§4.1: every hardware check id and its boundaries, judged through the check engine, under
both requirement profiles (rules are data: a new requirement is a YAML change plus a row here)."""

from __future__ import annotations

import pytest

from app.checks.engine import REGISTRY, checks_for, run_checks_sync
from tests import factories as f

PROFILES = ("current", "baseline-8.0.28")
GOOD_APP = {
    "arch": "x86_64",
    "cpu_cores": 4,
    "memory_gib": 8,
    "disk_gb": 100,
    "disk_mbps": 4750,
    "nics": 2,
    "nic_gbps": 10,
}
GOOD_DB = {"cpu_cores": 4, "memory_gib": 32, "disk_gb": 1000, "disk_mbps": 4750, "nics": 2, "nic_gbps": 10}


def _run(profile: str, role: str, values: dict, check_id: str):
    base = dict(GOOD_APP if role == "app" else GOOD_DB)
    base.update(values)
    answers = f.answers(f.MINIMAL, profile="p", requirements=profile, hardware={role: base})
    report = run_checks_sync(answers, only=[check_id])
    (result,) = report.results
    return result


CASES = [
    # check id, role, values, expected status
    pytest.param("hardware.app.arch", "app", {"arch": "x86_64"}, "pass", id="app-arch-x86_64"),
    pytest.param("hardware.app.arch", "app", {"arch": "amd64"}, "pass", id="app-arch-amd64"),
    pytest.param("hardware.app.arch", "app", {"arch": "aarch64"}, "fail", id="app-arch-aarch64"),
    pytest.param("hardware.app.arch", "app", {"arch": "arm64"}, "fail", id="app-arch-arm64"),
    pytest.param("hardware.app.arch", "app", {"arch": "i686"}, "fail", id="app-arch-i686"),
    pytest.param("hardware.app.cpu", "app", {"cpu_cores": 4}, "pass", id="app-cpu-4"),
    pytest.param("hardware.app.cpu", "app", {"cpu_cores": 3}, "fail", id="app-cpu-3"),
    pytest.param("hardware.app.memory", "app", {"memory_gib": 8}, "pass", id="app-mem-8"),
    pytest.param("hardware.app.memory", "app", {"memory_gib": 7.99}, "fail", id="app-mem-7.99"),
    pytest.param("hardware.app.disk", "app", {"disk_gb": 100}, "pass", id="app-disk-100"),
    pytest.param("hardware.app.disk", "app", {"disk_gb": 99.9}, "fail", id="app-disk-99.9"),
    pytest.param("hardware.app.disk_bandwidth", "app", {"disk_mbps": 4750}, "pass", id="app-bw-4750"),
    pytest.param("hardware.app.disk_bandwidth", "app", {"disk_mbps": 4749}, "warn", id="app-bw-4749"),
    pytest.param("hardware.app.network", "app", {"nics": 2, "nic_gbps": 10}, "pass", id="app-net-2x10"),
    pytest.param("hardware.app.network", "app", {"nics": 4, "nic_gbps": 25}, "pass", id="app-net-4x25"),
    pytest.param("hardware.app.network", "app", {"nics": 1, "nic_gbps": 10}, "warn", id="app-net-1x10"),
    pytest.param("hardware.app.network", "app", {"nics": 2, "nic_gbps": 1}, "warn", id="app-net-2x1"),
    pytest.param("hardware.app.network", "app", {"nics": 2, "nic_gbps": 9.9}, "warn", id="app-net-2x9.9"),
    pytest.param("hardware.database.cpu", "database", {"cpu_cores": 4}, "pass", id="db-cpu-4"),
    pytest.param("hardware.database.cpu", "database", {"cpu_cores": 3}, "fail", id="db-cpu-3"),
    pytest.param("hardware.database.memory", "database", {"memory_gib": 32}, "pass", id="db-mem-32"),
    pytest.param("hardware.database.memory", "database", {"memory_gib": 31.99}, "fail", id="db-mem-31.99"),
    pytest.param("hardware.database.disk", "database", {"disk_gb": 1000}, "pass", id="db-disk-1000"),
    pytest.param("hardware.database.disk", "database", {"disk_gb": 999}, "fail", id="db-disk-999"),
    pytest.param("hardware.database.disk_bandwidth", "database", {"disk_mbps": 4750}, "pass", id="db-bw-4750"),
    pytest.param("hardware.database.disk_bandwidth", "database", {"disk_mbps": 4749}, "warn", id="db-bw-4749"),
    pytest.param("hardware.database.network", "database", {"nics": 2, "nic_gbps": 10}, "pass", id="db-net-2x10"),
    pytest.param("hardware.database.network", "database", {"nics": 1, "nic_gbps": 40}, "warn", id="db-net-1x40"),
    pytest.param("hardware.database.network", "database", {"nics": 2, "nic_gbps": 1}, "warn", id="db-net-2x1"),
]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("check_id, role, values, status", CASES)
def test_boundary(profile, check_id, role, values, status):
    result = _run(profile, role, values, check_id)
    assert result.status == status, result
    if status != "pass":  # §4: anything but pass has a message with the observed value and a hint
        assert result.message and result.hint
        if "nics" in values:
            shown = f"{values['nics']} × {values['nic_gbps']:g} Gbps"
        else:
            (shown,) = values.values()
            shown = shown if isinstance(shown, str) else f"{shown:g}"
        assert shown in str(result.message), result.message


def test_every_hardware_check_has_a_case():
    ids = {c.id for c in checks_for(["hardware"])}
    assert ids == {p.values[0] for p in CASES}
    assert len(ids) == 11  # §4.1 table


@pytest.mark.parametrize(
    "role, key, check_id",
    [
        pytest.param("app", "cpu_cores", "hardware.app.cpu", id="app-cpu"),
        pytest.param("app", "nic_gbps", "hardware.app.network", id="app-nic-speed-unknown"),
        pytest.param("database", "disk_mbps", "hardware.database.disk_bandwidth", id="db-bw"),
    ],
)
def test_unknown_value_skips(role, key, check_id):
    """A probe that could not measure a value leaves it null → the check skips, naming the input."""
    base = dict(GOOD_APP if role == "app" else GOOD_DB)
    del base[key]
    answers = f.answers(f.MINIMAL, profile="p", hardware={role: base})
    (result,) = run_checks_sync(answers, only=[check_id]).results
    assert result.status == "skip"
    assert f"hardware.{role}.{key}" in str(result.message)


def test_registry_titles_are_unique():
    titles = [REGISTRY[c.id].title for c in checks_for(["hardware"])]
    assert len(titles) == len(set(titles))
