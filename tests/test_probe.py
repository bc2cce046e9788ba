"""`wbsetup probe` (§3, §4.1): measured host facts, for real on this machine, plus the NIC and
disk rules on stand-ins where the machine cannot show the case (no real 10 GbE pair here, and this
kernel's tmpfs accepts O_DIRECT)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.probe import host as probe

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_KEYS = ["arch", "cpu_cores", "memory_gib", "disk_gb", "disk_mbps", "nics", "nic_gbps"]


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    raise AssertionError("no MemTotal")


def _allowed_cpus() -> int:
    return len(os.sched_getaffinity(0))


def test_cli_probe_json_for_real():
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "app", "probe", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    facts = json.loads(proc.stdout)
    assert list(facts) == CONTRACT_KEYS  # contract keys only, in the order of hardware.app
    assert facts["arch"] == os.uname().machine
    assert facts["cpu_cores"] == _allowed_cpus()
    assert abs(facts["memory_gib"] - _meminfo_gib()) <= 0.05
    assert facts["disk_gb"] == round(shutil.disk_usage("/").total / 1e9)
    assert isinstance(facts["disk_mbps"], int) and facts["disk_mbps"] > 0  # ext4 root here: direct I/O works
    assert facts["nics"] is None or facts["nics"] >= 0
    assert elapsed < 10


def test_cli_probe_text_shows_table_and_notes():
    proc = subprocess.run(
        [sys.executable, "-m", "app", "probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "cpu_cores" in proc.stdout and f"{_allowed_cpus()}" in proc.stdout
    assert "disk_mbps: direct I/O" in proc.stdout  # the method is said, not hidden


def test_measure_in_process_has_contract_keys_and_notes():
    facts = probe.measure(disk_seconds=0.3, disk_max_mb=32)
    assert list(facts) == CONTRACT_KEYS
    assert json.loads(json.dumps(facts)) == dict(facts)  # notes never leak into the JSON
    for key in CONTRACT_KEYS:
        if facts[key] is None:  # every unknown value is explained
            assert any(n.startswith(key) or n.startswith("nics") for n in facts.notes), (key, facts.notes)
    detailed = probe.measure_detailed(disk_seconds=0.2, disk_max_mb=16)
    assert list(detailed["facts"]) == CONTRACT_KEYS and detailed["notes"]


def test_disk_measurement_is_bounded_and_removes_its_file(tmp_path):
    started = time.monotonic()
    notes: list[str] = []
    mbps = probe.disk_mbps(str(tmp_path), 0.2, 8, notes)
    assert time.monotonic() - started < 5
    assert mbps > 0
    assert len(notes) == 1 and notes[0].startswith("disk_mbps: direct I/O, 8 MB in ")  # 8 MiB cap
    assert list(tmp_path.iterdir()) == []


def test_disk_falls_back_to_buffered_when_o_direct_refused(tmp_path, monkeypatch):
    """Stand-in for a filesystem refusing O_DIRECT (tmpfs before Linux 6.6): open() says EINVAL."""
    real_open = os.open

    def refusing_open(path, flags, *args):
        if flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    notes: list[str] = []
    assert probe.disk_mbps(str(tmp_path), 0.2, 8, notes) > 0
    assert len(notes) == 1 and "buffered writes + fsync (O_DIRECT unsupported here)" in notes[0]
    assert list(tmp_path.iterdir()) == []


def test_disk_write_error_removes_file_and_reports_null(tmp_path, monkeypatch):
    """Stand-in for a full disk: the second write fails with ENOSPC."""
    real_write, calls = os.write, []

    def filling_write(fd, data):
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", filling_write)
    notes: list[str] = []
    assert probe.disk_mbps(str(tmp_path), 2.0, 64, notes) is None
    assert notes == [f"disk_mbps: writing to {tmp_path} failed: No space left on device"]
    assert list(tmp_path.iterdir()) == []


def test_disk_unwritable_path_is_null_with_note(tmp_path):
    facts = probe.measure(path=str(tmp_path / "missing"), disk_seconds=0.1)
    assert facts["disk_gb"] is None and facts["disk_mbps"] is None
    assert any(n.startswith("disk_gb: cannot stat") for n in facts.notes)
    assert any(n.startswith("disk_mbps: no writable directory") for n in facts.notes)


# -- NICs: a stand-in /sys/class/net tree (one directory per interface) ------------------------------
def _sysfs(root: Path, ifaces: dict) -> str:
    """ifaces: name → (physical, speed file text or None for "unreadable", operstate)."""
    (root / "devices" / "pci0").mkdir(parents=True)
    net = root / "class" / "net"
    for name, (physical, speed, state) in ifaces.items():
        d = net / name
        d.mkdir(parents=True)
        if physical:
            (d / "device").symlink_to(root / "devices" / "pci0")
        if speed is None:
            (d / "speed").mkdir()  # reading it fails, like EINVAL on a down link
        else:
            (d / "speed").write_text(speed + "\n")
        (d / "operstate").write_text(state + "\n")
    return str(net)


NIC_CASES = [
    pytest.param({"eth0": (True, "10000", "up"), "eth1": (True, "10000", "up")}, (2, 10), id="dual-10g"),
    pytest.param(
        {"eth0": (True, "10000", "up"), "eth1": (True, "10000", "up"), "eno1": (True, "1000", "up")},
        (2, 10),
        id="dual-10g-plus-1g-mgmt",
    ),
    pytest.param(
        {"eth0": (True, "25000", "up"), "eth1": (True, "1000", "up"), "eth2": (True, "1000", "up")},
        (3, 1),
        id="one-fast-rest-slow",
    ),
    pytest.param({"eth0": (True, "10000", "up")}, (1, 10), id="single-10g"),
    pytest.param({"eth0": (True, "1000", "up"), "eth1": (True, "1000", "up")}, (2, 1), id="dual-1g"),
    pytest.param({"eth0": (True, "2500", "up"), "eth1": (True, "100", "up")}, (2, 0.1), id="2.5g-and-100m"),
    pytest.param({"eth0": (True, "-1", "up"), "eth1": (True, None, "down")}, (1, None), id="virtio-speed-unknown"),
    pytest.param({"eth0": (True, "4294967295", "up")}, (1, None), id="unsigned-minus-one"),
    pytest.param({"eth0": (True, "10000", "up"), "eth1": (True, None, "down")}, (1, 10), id="one-port-down"),
    pytest.param(
        {
            "lo": (False, None, "unknown"),
            "docker0": (False, "10000", "up"),
            "br0": (False, "10000", "up"),
            "veth1a2b": (False, "10000", "up"),
            "bond0": (False, "20000", "up"),
            "eth0": (True, "10000", "up"),
            "eth1": (True, "10000", "up"),
        },
        (2, 10),
        id="virtual-ignored",
    ),
    pytest.param(
        {"lo": (False, None, "unknown"), "eth0": (False, "10000", "up")}, (None, None), id="container-veth-only"
    ),
]


@pytest.mark.parametrize("ifaces, expected", NIC_CASES)
def test_nics(tmp_path, ifaces, expected):
    notes: list[str] = []
    assert probe.network(_sysfs(tmp_path, ifaces), notes) == expected
    if None in expected:
        assert notes  # an unknown is always explained


def test_nics_without_sysfs(tmp_path):
    notes: list[str] = []
    assert probe.network(str(tmp_path / "nope"), notes) == (None, None)
    assert "not readable" in notes[0]


@pytest.mark.parametrize(
    "facts, lines",
    [
        pytest.param(
            {
                "arch": "x86_64",
                "cpu_cores": 8,
                "memory_gib": 31.3,
                "disk_gb": 200,
                "disk_mbps": 5210,
                "nics": 2,
                "nic_gbps": 10.0,
            },
            ["Memory               memory_gib   31.3 GiB", "Link speed           nic_gbps     10 Gbps"],
            id="complete",
        ),
        pytest.param(
            {
                "arch": "x86_64",
                "cpu_cores": 2,
                "memory_gib": 4.0,
                "disk_gb": 50,
                "disk_mbps": None,
                "nics": 1,
                "nic_gbps": None,
            },
            [
                "Root disk write      disk_mbps    unknown",
                "Unknown (null in --json): disk_mbps, nic_gbps — enter these by hand in the wizard.",
            ],
            id="unknowns",
        ),
    ],
)
def test_describe(facts, lines):
    text = probe.describe(probe.Facts(facts, ["disk_mbps: why"]))
    for line in lines:
        assert line in text.splitlines()
    assert text.splitlines()[-1] == "  - disk_mbps: why"


def test_zero_seconds_still_measures_one_chunk(tmp_path):
    notes: list[str] = []
    assert probe.disk_mbps(str(tmp_path), 0, 256, notes) > 0
    assert notes[0].startswith("disk_mbps: direct I/O, 4 MB in ")  # exactly one 4 MiB chunk
