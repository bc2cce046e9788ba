"""Node checks `deploy.node.*` (§4.5 "The nodes, measured from the nodes").

Judged from `ctx.node_reports` (node reports, validated by app.probe.reports), never measured from the
wizard host: the wizard often sits on another network than the nodes that will run W&B.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.artifacts.compose import published_ports  # what the rendered compose file publishes
from app.checks.engine import Context, Outcome, check, fail, passed, skip, warn
from app.i18n.message import N_, Msg, MsgList, as_msg, msg, nmsg

NO_REPORTS = N_(
    "no node reports: on each node run `wbsetup probe --node answers.yaml [--role client] > NODE.json`, "
    "then `wbsetup validate answers.yaml --node-report NODE.json`"
)
DOCKER_INSTALL = N_(
    "Install Docker Engine and the Compose plugin from download.docker.com: "
    "apt-get install docker-ce docker-ce-cli containerd.io docker-compose-plugin"
)

NOT_REACHED = N_("not reached")  # a reach that has no result (a catalog msgid)


NAMED = 10  # nodes named in a message or kept in `observed`: results stay small with 1,000 nodes


def _first(items: list) -> list:
    """At most NAMED items, then "and K more": a message names failing nodes but does not grow with the fleet."""
    if len(items) <= NAMED:
        return items
    from app.i18n.message import msg  # here, not at the top: app.i18n loads the web stack (CLI start-up)

    return items[:NAMED] + [msg("and %(count)s more", count=len(items) - NAMED)]


def _observed(per_node: dict, failing) -> dict:
    """`observed` of a node check: every node's value for a small fleet; beyond NAMED nodes a summary
    (node count, how many fail, the first failing nodes' values). The node reports keep the details."""
    if len(per_node) <= NAMED:
        return per_node
    bad = set(failing)
    failing = [n for n in per_node if n in bad]
    shown = failing[:NAMED] or list(per_node)[:NAMED]
    return {"nodes": len(per_node), "failing": len(failing), "first": {n: per_node[n] for n in shown}}


def _reports(ctx: Context, role: str | None = None) -> list[dict] | Outcome:
    if not ctx.node_reports:
        return skip(NO_REPORTS)
    chosen = [r for r in ctx.node_reports if role is None or r["role"] == role]
    if not chosen:
        return skip(
            msg(
                "no %(role)s node reported: run `wbsetup probe --node answers.yaml --role %(role)s` on one",
                role=role,
            )
        )
    return chosen


def _error(reach: dict, otherwise: str):
    """A node's error text (English data from the node: a fixed text reads in the reader's language)."""
    return as_msg(reach.get("error") or otherwise)


def _version(text: str | None) -> tuple[int, ...] | None:
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", str(text or ""))
    return tuple(int(x or 0) for x in m.groups()) if m else None


def _need(text: str) -> tuple[int, ...]:
    return _version(text) or (0,)


@check("deploy.node.database", N_("Nodes: reach the database"), needs=["database.host"])
def node_database(ctx: Context) -> Outcome:
    reports = _reports(ctx, "app")
    if isinstance(reports, Outcome):
        return reports
    db = ctx.answers.database
    bad = [
        msg("%(node)s: %(error)s", node=r["node"], error=_error(r["reach"]["database"], NOT_REACHED))
        for r in reports
        if not r["reach"]["database"]["ok"]
    ]
    observed = {r["node"]: r["reach"]["database"]["ok"] for r in reports}
    observed = _observed(observed, [n for n, ok in observed.items() if not ok])
    bad = _first(bad)
    if not bad:
        return passed(
            nmsg(
                "%(n)s app node reaches %(host)s:%(port)s",
                "%(n)s app nodes reach %(host)s:%(port)s",
                len(reports),
                host=db.host,
                port=db.port,
            ),
            observed=observed,
        )
    return fail(
        msg("cannot reach the database %(host)s:%(port)s from %(bad)s", host=db.host, port=db.port, bad=MsgList(bad)),
        msg(
            "Allow TCP %(port)s inbound on %(host)s from the app nodes (firewall: ufw allow proto tcp "
            "from APP_NODE_IP to any port %(port)s) and check MySQL's bind-address",
            port=db.port,
            host=db.host,
        ),
        observed=observed,
    )


@check("deploy.node.object_store", N_("Nodes: reach the object store"), needs=["object_store.endpoint"])
def node_object_store(ctx: Context) -> Outcome:
    reports = _reports(ctx)
    if isinstance(reports, Outcome):
        return reports
    url = urlsplit(ctx.answers.object_store.endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    observed = {
        r["node"]: (r["reach"]["object_store"].get("tls") if r["reach"]["object_store"]["ok"] else "unreachable")
        for r in reports
    }
    unreachable = [
        msg("%(node)s (%(error)s)", node=r["node"], error=_error(r["reach"]["object_store"], NOT_REACHED))
        for r in reports
        if not r["reach"]["object_store"]["ok"]
    ]
    untrusted = [n for n, tls in observed.items() if tls == "untrusted"]
    private = [n for n, tls in observed.items() if tls == "private-ca"]
    observed = _observed(
        observed, [n for n, tls in observed.items() if tls in ("unreachable", "untrusted", "private-ca")]
    )
    unreachable, untrusted, private = _first(unreachable), _first(untrusted), _first(private)
    if unreachable:
        return fail(
            msg(
                "the object store %(hostname)s:%(port)s is unreachable from %(unreachable)s",
                hostname=url.hostname,
                port=port,
                unreachable=MsgList(unreachable),
            ),
            msg(
                "Allow TCP %(port)s inbound to %(hostname)s from every node and client (presigned URLs "
                "send training machines and browsers straight to the store)",
                port=port,
                hostname=url.hostname,
            ),
            observed=observed,
        )
    if untrusted:
        return fail(
            msg("the object store's certificate is not trusted on %(untrusted)s", untrusted=", ".join(untrusted)),
            N_(
                "Use a certificate from a CA the nodes trust (W&B does not support self-signed certificates), "
                "or set object_store.ca_pem to the store's private CA"
            ),
            observed=observed,
        )
    if private:
        return warn(
            msg(
                "the object store's certificate is trusted only through object_store.ca_pem on %(private)s",
                private=", ".join(private),
            ),
            N_(
                "W&B then needs the CA too: set global.customCACerts (operator) or mount it into the container, "
                "and install it in the trust store of every client"
            ),
            observed=observed,
        )
    return passed(
        nmsg(
            "%(n)s node reaches %(hostname)s:%(port)s",
            "%(n)s nodes reach %(hostname)s:%(port)s",
            len(reports),
            hostname=url.hostname,
            port=port,
        ),
        observed=observed,
    )


@check("deploy.node.host", N_("Nodes: resolve the W&B host"), needs=["host"])
def node_host(ctx: Context) -> Outcome:
    reports = _reports(ctx)
    if isinstance(reports, Outcome):
        return reports
    name = urlsplit(ctx.answers.host).hostname
    observed = {r["node"]: r["reach"]["host"].get("addresses") or [] for r in reports}
    bad = [
        msg("%(node)s (%(error)s)", node=r["node"], error=_error(r["reach"]["host"], N_("no address")))
        for r in reports
        if not r["reach"]["host"]["ok"]
    ]
    observed = _observed(observed, [r["node"] for r in reports if not r["reach"]["host"]["ok"]])
    bad = _first(bad)
    if not bad:
        return passed(
            nmsg("%(n)s node resolves %(name)s", "%(n)s nodes resolve %(name)s", len(reports), name=name),
            observed=observed,
        )
    return warn(
        msg("%(name)s does not resolve on %(bad)s", name=name, bad=MsgList(bad)),
        msg("Add %(name)s to DNS (or to /etc/hosts on those nodes) pointing at the W&B load balancer", name=name),
        observed=observed,
    )


def _compose_target(ctx: Context) -> Outcome | None:
    target = ctx.answers.deploy.target
    return (
        None
        if target == "docker-compose"
        else skip(msg("target %(target)s: Docker Compose is not used", target=target))
    )


@check("deploy.node.docker", N_("Nodes: Docker Engine and Compose"))
def node_docker(ctx: Context) -> Outcome:
    not_compose = _compose_target(ctx)
    reports = not_compose or _reports(ctx, "app")
    if isinstance(reports, Outcome):
        return reports
    need = ctx.req["nodes"]["docker"]
    expected = msg(
        "Docker Engine >= %(engine)s, Compose v2 >= %(compose_v2)s or docker-compose >= %(compose_v1)s",
        engine=need["engine"],
        compose_v2=need["compose_v2"],
        compose_v1=need["compose_v1"],
    )
    problems: list[Msg] = []
    observed: dict = {}
    for r in reports:
        engine, compose = r["docker"].get("engine"), r["docker"].get("compose")
        observed[r["node"]] = {"engine": engine, "compose": compose}
        e, c = _version(engine), _version(compose)
        if e is None:
            problems.append(msg("%(node)s: Docker Engine not found", node=r["node"]))
        elif e < _need(need["engine"]):
            problems.append(
                msg(
                    "%(node)s: Docker Engine %(engine)s < %(need)s",
                    node=r["node"],
                    engine=engine,
                    need=need["engine"],
                )
            )
        floor = need["compose_v1"] if c and c[0] == 1 else need["compose_v2"]
        if c is None:
            problems.append(msg("%(node)s: Docker Compose not found", node=r["node"]))
        elif c < _need(floor):
            problems.append(
                msg("%(node)s: Compose %(compose)s < %(need)s", node=r["node"], compose=compose, need=floor)
            )
    failing = {p.params["node"] for p in problems if isinstance(p, Msg)}
    observed, problems = _observed(observed, [n for n in observed if n in failing]), _first(problems)
    if not problems:
        return passed(
            nmsg("%(n)s app node has Docker and Compose", "%(n)s app nodes have Docker and Compose", len(reports)),
            observed=observed,
            expected=expected,
        )
    return fail(MsgList(problems), DOCKER_INSTALL, observed=observed, expected=expected)


@check("deploy.node.ports", N_("Nodes: published ports are free"))
def node_ports(ctx: Context) -> Outcome:
    not_compose = _compose_target(ctx)
    reports = not_compose or _reports(ctx, "app")
    if isinstance(reports, Outcome):
        return reports
    wanted = published_ports(ctx.answers)
    busy = [f"{r['node']} port {p}" for r in reports for p in wanted if p in r["ports_in_use"]]
    shown = ", ".join(map(str, wanted))
    if not busy:
        return passed(
            nmsg(
                "ports %(shown)s are free on %(n)s app node",
                "ports %(shown)s are free on %(n)s app nodes",
                len(reports),
                shown=shown,
            ),
            observed=[],
            expected=wanted,
        )
    first = busy[0].rsplit(" ", 1)[1]
    busy = _first(busy)
    return fail(
        msg("already in use: %(busy)s", busy=", ".join(busy)),
        msg(
            "Stop what listens there (ss -ltnp 'sport = :%(first)s' shows it) and allow TCP %(shown)s "
            "inbound in the node's firewall",
            first=first,
            shown=shown,
        ),
        observed=busy,
        expected=wanted,
    )
