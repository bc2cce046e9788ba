"""Hardware checks (SPEC §4.1), judged from the answers (typed or filled in by a probe)."""

from __future__ import annotations

from app.checks.engine import Context, Outcome, check, fail, passed, warn

ROLES = {"app": "application node", "database": "database server"}


def _minimum(role: str, key: str, unit: str, below: str, hint: str):
    """A rule "value ≥ requirement → pass, else `below`" for hardware.<role>.<key>."""

    def judge(ctx: Context) -> Outcome:
        value = getattr(getattr(ctx.answers.hardware, role), key)
        need = ctx.req["hardware"][role][key]
        shown = f"{value:g} {unit}"
        if value >= need:
            return passed(f"{shown} (≥ {need:g} {unit})", observed=value, expected=f">= {need:g}")
        judge_fn = fail if below == "fail" else warn
        return judge_fn(f"The {ROLES[role]} has {shown}; W&B needs at least {need:g} {unit}",
                        hint.format(need=need), observed=value, expected=f">= {need:g}")

    return judge


def _network(role: str):
    def judge(ctx: Context) -> Outcome:
        hw = getattr(ctx.answers.hardware, role)
        need = ctx.req["hardware"][role]
        observed = f"{hw.nics} × {hw.nic_gbps:g} Gbps"
        expected = f">= {need['nics']} × {need['nic_gbps']:g} Gbps"
        if hw.nics >= need["nics"] and hw.nic_gbps >= need["nic_gbps"]:
            return passed(observed, observed=observed, expected=expected)
        return warn(f"The {ROLES[role]} has {observed}; W&B recommends dual {need['nic_gbps']:g} GbE or faster",
                    f"Provide {need['nics']} network interfaces of {need['nic_gbps']:g} Gbps or more",
                    observed=observed, expected=expected)

    return judge


@check("hardware.app.arch", "Application node: architecture", needs=["hardware.app.arch"])
def app_arch(ctx: Context) -> Outcome:
    arch = ctx.answers.hardware.app.arch
    allowed = ctx.req["hardware"]["app"]["arch"]
    if arch.lower() in allowed:
        return passed(arch, observed=arch, expected=" or ".join(allowed))
    return fail(f"{arch} is not supported: W&B Server images are built for x86-64 only",
                "Run W&B on x86_64 (amd64) nodes", observed=arch, expected=" or ".join(allowed))


_RULES = [
    # id suffix, key, unit, below-threshold status, title, hint
    ("cpu", "cpu_cores", "cores", "fail", "CPU cores", "Give each node at least {need:g} CPU cores"),
    ("memory", "memory_gib", "GiB", "fail", "Memory", "Give each node at least {need:g} GiB of memory"),
    ("disk", "disk_gb", "GB", "fail", "Root disk size", "Use a disk of at least {need:g} GB"),
    ("disk_bandwidth", "disk_mbps", "Mbps", "warn", "Disk bandwidth",
     "Use SSD or accelerated storage with {need:g}+ Mbps sequential write"),
]

for _role, _label in (("app", "Application node"), ("database", "Database server")):
    for _suffix, _key, _unit, _below, _title, _hint in _RULES:
        check(f"hardware.{_role}.{_suffix}", f"{_label}: {_title}", needs=[f"hardware.{_role}.{_key}"])(
            _minimum(_role, _key, _unit, _below, _hint))
    check(f"hardware.{_role}.network", f"{_label}: network",
          needs=[f"hardware.{_role}.nics", f"hardware.{_role}.nic_gbps"])(_network(_role))
