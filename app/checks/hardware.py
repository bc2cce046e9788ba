"""Hardware checks (§4.1), judged from the answers (typed or filled in by a probe)."""

from __future__ import annotations

from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.i18n.message import msg, msg_format

ROLES = {"app": "application node", "database": "database server"}


def _minimum(role: str, key: str, unit: str, below: str, hint: str):
    """A rule "value ≥ requirement → pass, else `below`" for hardware.<role>.<key>."""

    def judge(ctx: Context) -> Outcome:
        value = getattr(getattr(ctx.answers.hardware, role), key)
        need = ctx.req["hardware"][role][key]
        shown = msg("%(value)s %(unit)s", value=format(value, "g"), unit=msg(unit))  # "2 cores": the unit is a word
        if value >= need:
            return passed(
                msg("%(shown)s (≥ %(need)s %(unit)s)", shown=shown, need=format(need, "g"), unit=msg(unit)),
                observed=value,
                expected=f">= {need:g}",
            )
        judge_fn = fail if below == "fail" else warn
        return judge_fn(
            msg(
                "The %(ROLES)s has %(shown)s; W&B needs at least %(need)s %(unit)s",
                ROLES=msg(ROLES[role]),
                shown=shown,
                need=format(need, "g"),
                unit=msg(unit),
            ),
            msg_format(hint, need=need),
            observed=value,
            expected=f">= {need:g}",
        )

    return judge


def _network(role: str):
    def judge(ctx: Context) -> Outcome:
        hw = getattr(ctx.answers.hardware, role)
        need = ctx.req["hardware"][role]
        observed = f"{hw.nics} × {hw.nic_gbps:g} Gbps"
        expected = f">= {need['nics']} × {need['nic_gbps']:g} Gbps"
        if hw.nics >= need["nics"] and hw.nic_gbps >= need["nic_gbps"]:
            return passed(observed, observed=observed, expected=expected)
        return warn(
            msg(
                "The %(ROLES)s has %(observed)s; W&B recommends dual %(nic_gbps)s GbE or faster",
                ROLES=msg(ROLES[role]),
                observed=observed,
                nic_gbps=format(need["nic_gbps"], "g"),
            ),
            msg(
                "Provide %(nics)s network interfaces of %(nic_gbps)s Gbps or more",
                nics=need["nics"],
                nic_gbps=format(need["nic_gbps"], "g"),
            ),
            observed=observed,
            expected=expected,
        )

    return judge


@check("hardware.app.arch", "Application node: architecture", needs=["hardware.app.arch"], reads=["requirements"])
def app_arch(ctx: Context) -> Outcome:
    arch = ctx.answers.hardware.app.arch
    assert arch is not None, 'needs=["hardware.app.arch"]'
    allowed = ctx.req["hardware"]["app"]["arch"]
    if arch.lower() in allowed:
        return passed(arch, observed=arch, expected=" or ".join(allowed))
    return fail(
        msg("%(arch)s is not supported: W&B Server images are built for x86-64 only", arch=arch),
        "Run W&B on x86_64 (amd64) nodes",
        observed=arch,
        expected=" or ".join(allowed),
    )


_RULES = [
    # id suffix, key, unit, below-threshold status, title, hint
    ("cpu", "cpu_cores", "cores", "fail", "CPU cores", "Give each node at least {need:g} CPU cores"),
    ("memory", "memory_gib", "GiB", "fail", "Memory", "Give each node at least {need:g} GiB of memory"),
    ("disk", "disk_gb", "GB", "fail", "Root disk size", "Use a disk of at least {need:g} GB"),
    (
        "disk_bandwidth",
        "disk_mbps",
        "Mbps",
        "warn",
        "Disk bandwidth",
        "Use SSD or accelerated storage with {need:g}+ Mbps sequential write",
    ),
]

for _role, _label in (("app", "Application node"), ("database", "Database server")):
    for _suffix, _key, _unit, _below, _title, _hint in _RULES:
        check(
            f"hardware.{_role}.{_suffix}",
            f"{_label}: {_title}",
            needs=[f"hardware.{_role}.{_key}"],
            reads=["requirements"],
        )(_minimum(_role, _key, _unit, _below, _hint))
    check(
        f"hardware.{_role}.network",
        f"{_label}: network",
        needs=[f"hardware.{_role}.nics", f"hardware.{_role}.nic_gbps"],
        reads=["requirements"],
    )(_network(_role))
