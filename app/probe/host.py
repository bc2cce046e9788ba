"""Measured host facts (§3 `wbsetup probe`, §4.1): the keys of `hardware.app`.

ONE implementation for both places a probe runs: `wbsetup probe` imports this module, and the node
probe script the wizard serves embeds this module's source text (app/probe/script.py). So this file
must stay standard-library only, import nothing from `app`, and keep to Python 3.6 syntax (no
walrus, no `X | Y` or `list[str]` annotations evaluated at run time): nodes run whatever python3
their distribution ships.

Definitions (what each fact means when it is not obvious):
- disk_mbps: sequential write bandwidth of the root filesystem in megabits/s (10^6 bit/s): a temp
  file written with O_DIRECT from page-aligned buffers, bounded to `disk_seconds` and `disk_max_mb`,
  then fsync; timed including the fsync; removed afterwards. Where O_DIRECT is refused (e.g. tmpfs),
  a buffered write with an fsync after every chunk is timed instead and a note says so.
- nics / nic_gbps: physical interfaces are the entries of /sys/class/net with a `device` link
  (virtual ones — lo, bridges, bonds, veth, docker, tun — have none). Of those with a known link
  speed, nic_gbps is the second-highest speed (the speed a redundant pair reaches; with only one such
  interface, its speed) and nics counts the interfaces at least that fast. So "nics ≥ 2 and
  nic_gbps ≥ 10" reads exactly "two interfaces of 10 Gbps or more", and a slow management port next
  to a 10 GbE pair does not drag the result down. With no speed known (VMs report -1), nics counts
  the physical interfaces that are up and nic_gbps is null.
- Every key is always present; an unknown value is null and a note says why.
"""

import mmap
import os
import platform
import secrets
import shutil
import time

KEYS = ("arch", "cpu_cores", "memory_gib", "disk_gb", "disk_mbps", "nics", "nic_gbps")
_CHUNK = 4 * 1024 * 1024  # one write; a multiple of every logical block size O_DIRECT may demand
_SYS_NET = "/sys/class/net"


class Facts(dict):
    """The contract keys (so `json.dumps` prints exactly them) plus `.notes`: how each value was
    obtained where that matters, and why a value is null."""

    def __init__(self, values, notes=()):
        dict.__init__(self, values)
        self.notes = list(notes)


def measure(*, disk_seconds=2.0, disk_max_mb=256, path="/"):
    """Measure this host: a Facts dict with exactly KEYS (null where unknown) and `.notes`."""
    notes: list[str] = []
    facts = {
        "arch": platform.machine() or None,
        "cpu_cores": cpu_cores(notes),
        "memory_gib": memory_gib(notes),
        "disk_gb": disk_gb(path, notes),
        "disk_mbps": disk_mbps(path, disk_seconds, disk_max_mb, notes),
    }
    facts["nics"], facts["nic_gbps"] = network(_SYS_NET, notes)
    if facts["arch"] is None:
        notes.append("arch: the platform did not report a machine type")
    return Facts(facts, notes)


def measure_detailed(*, disk_seconds=2.0, disk_max_mb=256, path="/"):
    """{"facts": {...contract keys...}, "notes": [...]} for callers that show how it was measured."""
    facts = measure(disk_seconds=disk_seconds, disk_max_mb=disk_max_mb, path=path)
    return {"facts": dict(facts), "notes": list(facts.notes)}


def cpu_cores(notes):
    """CPUs this process may run on (affinity honours taskset/cpusets), else the host count."""
    count: int | None
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count()
    quota = _read("/sys/fs/cgroup/cpu.max")  # cgroup v2 "max 100000" or "200000 100000"
    if quota and count:
        parts = quota.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and int(parts[1]) > 0:
            limit = int(parts[0]) / int(parts[1])
            if limit < count:
                notes.append("cpu_cores: a cgroup CPU quota limits this container to {:g} CPUs".format(limit))
    if not count:
        notes.append("cpu_cores: the CPU count is not available")
    return count or None


def memory_gib(notes):
    """MemTotal of /proc/meminfo in GiB, one decimal."""
    text = _read("/proc/meminfo") or ""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            kib = int(line.split()[1])
            limit = _read("/sys/fs/cgroup/memory.max")
            if limit and limit.isdigit() and int(limit) < kib * 1024:
                notes.append(
                    "memory_gib: a cgroup limit gives this container only {:.1f} GiB".format(int(limit) / 2**30)
                )
            return round(kib / 2**20, 1)
    notes.append("memory_gib: /proc/meminfo has no MemTotal (not Linux?)")
    return None


def disk_gb(path, notes):
    """Size of the filesystem holding `path` in GB (10^9 bytes), rounded."""
    try:
        total = shutil.disk_usage(path).total
    except OSError as exc:
        notes.append("disk_gb: cannot stat {}: {}".format(path, exc.strerror or exc))
        return None
    return round(total / 1e9) or round(total / 1e9, 3) or None


def disk_mbps(path, seconds, max_mb, notes):
    """Sequential write bandwidth of the filesystem holding `path`, in megabits/s (see module doc)."""
    folder = _scratch_dir(path)
    if folder is None:
        notes.append(
            "disk_mbps: no writable directory on the filesystem of {} (run as a user who can "
            "write to /var/tmp or /tmp there)".format(path)
        )
        return None
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = 0
    budget = min(int(max_mb) * 2**20, free // 4) // _CHUNK * _CHUNK  # never fill the disk
    if budget < _CHUNK:
        notes.append("disk_mbps: not enough free space on {} to measure".format(folder))
        return None
    buf = mmap.mmap(-1, _CHUNK)  # anonymous maps are page-aligned, as O_DIRECT requires
    buf.write(os.urandom(_CHUNK))  # incompressible: some storage compresses or deduplicates zeros
    try:
        for direct in (True, False):
            try:
                written, elapsed = _timed_write(folder, buf, budget, seconds, direct)
            except OSError as exc:
                if direct and exc.errno == 22:  # EINVAL: this filesystem refuses O_DIRECT
                    continue
                notes.append("disk_mbps: writing to {} failed: {}".format(folder, exc.strerror or exc))
                return None
            how = "direct I/O" if direct else "buffered writes + fsync (O_DIRECT unsupported here)"
            notes.append("disk_mbps: {}, {} MB in {:.2f} s to {}".format(how, written // 10**6, elapsed, folder))
            return round(written * 8 / 1e6 / elapsed) if elapsed > 0 else None
    finally:
        buf.close()
    return None


def _timed_write(folder, buf, budget, seconds, direct):
    """Write `buf` repeatedly to a new temp file until `budget` bytes or `seconds`; remove it."""
    name = os.path.join(folder, ".wbsetup-probe-{}.tmp".format(secrets.token_hex(8)))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | (getattr(os, "O_DIRECT", 0) if direct else 0)
    if direct and not getattr(os, "O_DIRECT", 0):
        raise OSError(22, "O_DIRECT is not available on this platform")
    fd = os.open(name, flags, 0o600)
    try:
        written, start = 0, time.monotonic()
        # At least one chunk, so a zero or tiny `seconds` still yields a number.
        while written == 0 or (written < budget and time.monotonic() - start < seconds):
            written += os.write(fd, buf)
            if not direct:  # keep buffered writes honest (and the final fsync short)
                os.fsync(fd)
        os.fsync(fd)
        return written, time.monotonic() - start
    finally:
        os.close(fd)
        os.unlink(name)


def _scratch_dir(path):
    """A writable directory on the same filesystem as `path` (for "/": /var/tmp, /tmp, then /)."""
    try:
        dev = os.stat(path).st_dev
    except OSError:
        return None
    candidates = ["/var/tmp", "/tmp", path] if os.path.abspath(path) == "/" else [path]
    for folder in candidates:
        try:
            if os.path.isdir(folder) and os.stat(folder).st_dev == dev and os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    return None


def network(sys_net, notes):
    """(nics, nic_gbps) from `sys_net` (/sys/class/net) — definitions in the module docstring."""
    try:
        names = sorted(os.listdir(sys_net))
    except OSError:
        notes.append("nics: {} is not readable (not Linux?)".format(sys_net))
        return None, None
    physical = [n for n in names if os.path.exists(os.path.join(sys_net, n, "device"))]
    if not physical:
        notes.append(
            "nics: no physical network interface visible (a container sees only virtual ones); "
            "run the probe on the host"
        )
        return None, None
    speeds = []  # Gbps of the physical interfaces with a known link speed
    for name in physical:
        mbps = _read(os.path.join(sys_net, name, "speed"))  # Mbps; -1 or EINVAL when unknown/down
        if mbps and mbps.lstrip("-").isdigit() and 0 < int(mbps) <= 10**7:
            speeds.append(int(mbps) / 1000)
    if not speeds:
        up = [n for n in physical if _read(os.path.join(sys_net, n, "operstate")) == "up"]
        notes.append(
            "nic_gbps: no link speed reported for {} (virtual NICs report none); enter the "
            "speed of the underlying network".format(", ".join(physical))
        )
        return len(up), None
    speeds.sort(reverse=True)
    gbps = speeds[1] if len(speeds) > 1 else speeds[0]
    return sum(1 for s in speeds if s >= gbps), gbps


def _read(path):
    try:
        with open(path) as fh:
            return fh.read().strip()
    except (OSError, ValueError):
        return None


def describe(facts, notes=None):
    """A human-readable table of `facts` (as from measure()), with its notes and unknowns."""
    if notes is None:
        notes = getattr(facts, "notes", [])
    units = {"memory_gib": "GiB", "disk_gb": "GB", "disk_mbps": "Mbps", "nic_gbps": "Gbps"}
    labels = {
        "arch": "Architecture",
        "cpu_cores": "CPU cores",
        "memory_gib": "Memory",
        "disk_gb": "Root disk size",
        "disk_mbps": "Root disk write",
        "nics": "Network interfaces",
        "nic_gbps": "Link speed",
    }
    lines = ["{:<20} {:<12} {}".format("Fact", "Key", "Value")]
    for key in KEYS:
        value = facts.get(key)
        shown = "unknown" if value is None else "{:g}".format(value) if isinstance(value, float) else str(value)
        if value is not None and key in units:
            shown += " " + units[key]
        lines.append("{:<20} {:<12} {}".format(labels[key], key, shown))
    unknown = [k for k in KEYS if facts.get(k) is None]
    if unknown:
        lines.append("")
        lines.append("Unknown (null in --json): " + ", ".join(unknown) + " — enter these by hand in the wizard.")
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines.extend("  - " + n for n in notes)
    return "\n".join(lines)
