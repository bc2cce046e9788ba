"""Hardware checks (§4.1), judged from the answers (typed or filled in by a probe)."""

from __future__ import annotations

from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.i18n.message import N_, msg

ROLES = {"app": N_("application node"), "database": N_("database server")}


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
                "The %(role)s has %(shown)s; W&B needs at least %(need)s %(unit)s",
                role=msg(ROLES[role]),
                shown=shown,
                need=format(need, "g"),
                unit=msg(unit),
            ),
            msg(hint, need=format(need, "g")),
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
                "The %(role)s has %(observed)s; W&B recommends dual %(nic_gbps)s GbE or faster",
                role=msg(ROLES[role]),
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


@check("hardware.app.arch", N_("Application node: architecture"), needs=["hardware.app.arch"], reads=["requirements"])
def app_arch(ctx: Context) -> Outcome:
    arch = ctx.answers.hardware.app.arch
    assert arch is not None, 'needs=["hardware.app.arch"]'
    allowed = ctx.req["hardware"]["app"]["arch"]
    if arch.lower() in allowed:
        return passed(arch, observed=arch, expected=" or ".join(allowed))
    return fail(
        msg("%(arch)s is not supported: W&B Server images are built for x86-64 only", arch=arch),
        N_("Run W&B on x86_64 (amd64) nodes"),
        observed=arch,
        expected=" or ".join(allowed),
    )


_RULES = [
    # id suffix, key, unit, below-threshold status, hint (%(need)s: the requirement)
    ("cpu", "cpu_cores", N_("cores"), "fail", N_("Give each node at least %(need)s CPU cores")),
    ("memory", "memory_gib", N_("GiB"), "fail", N_("Give each node at least %(need)s GiB of memory")),
    ("disk", "disk_gb", N_("GB"), "fail", N_("Use a disk of at least %(need)s GB")),
    (
        "disk_bandwidth",
        "disk_mbps",
        N_("Mbps"),
        "warn",
        N_("Use SSD or accelerated storage with %(need)s+ Mbps sequential write"),
    ),
]
# Each check's title, whole (a catalog msgid each: word order differs between languages).
_TITLES = {
    "app": {
        "cpu": N_("Application node: CPU cores"),
        "memory": N_("Application node: Memory"),
        "disk": N_("Application node: Root disk size"),
        "disk_bandwidth": N_("Application node: Disk bandwidth"),
        "network": N_("Application node: network"),
    },
    "database": {
        "cpu": N_("Database server: CPU cores"),
        "memory": N_("Database server: Memory"),
        "disk": N_("Database server: Root disk size"),
        "disk_bandwidth": N_("Database server: Disk bandwidth"),
        "network": N_("Database server: network"),
    },
}

for _role, _titles in _TITLES.items():
    for _suffix, _key, _unit, _below, _hint in _RULES:
        check(
            f"hardware.{_role}.{_suffix}",
            _titles[_suffix],
            needs=[f"hardware.{_role}.{_key}"],
            reads=["requirements"],
        )(_minimum(_role, _key, _unit, _below, _hint))
    check(
        f"hardware.{_role}.network",
        _titles["network"],
        needs=[f"hardware.{_role}.nics", f"hardware.{_role}.nic_gbps"],
        reads=["requirements"],
    )(_network(_role))
