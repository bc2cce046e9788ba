"""Per-step additions to the step page (measured hardware, bootstrap SQL, CORS preview, node reports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app import requirements
from app.answers import Answers
from app.artifacts.cors import cors_xml, minio_setup_sh
from app.artifacts.sql import bootstrap_sql, mysql_cnf, parameters_sql
from app.checks import kubeconfig
from app.i18n.message import msg
from app.store import Store
from app.web.runs import resolved


def _hardware(request, store: Store, answers: Answers) -> dict:
    req = requirements.load(answers.requirements)
    return {"measurements": store.measurements(answers.profile), "requirement": req["hardware"]}


def _object_store(request, store: Store, answers: Answers) -> dict:
    return {"cors_xml": cors_xml(answers), "minio_sh": minio_setup_sh(answers)}


def _database(request, store: Store, answers: Answers) -> dict:
    shown = answers.model_copy(deep=True)
    shown.database.password = None  # the page shows ${WANDB_DB_PASSWORD}, never the password
    return {
        "bootstrap_sql": bootstrap_sql(shown),
        "parameters_sql": parameters_sql(answers),
        "mysql_cnf": mysql_cnf(answers),
        "has_admin": bool(answers.database.admin_user and answers.database.admin_password),
    }


NODES_PER_PAGE = 50


def fleet_filter(query) -> dict:
    """The deploy page's node filter from its query string: status ok|fail, role app|client, q (a part
    of the node name), page (from 1). Anything else is ignored."""

    def pick(key, allowed):
        value = query.get(key)
        return value if value in allowed else None

    page = query.get("page", "1")
    return {
        "status": pick("nodes", ("ok", "fail")),
        "role": pick("role", ("app", "client")),
        "search": (query.get("q") or "").strip()[:253] or None,
        "page": int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1,
    }


def _deploy(request, store: Store, answers: Answers) -> dict:

    filt = fleet_filter(request.query_params)
    fleet = store.node_fleet(
        answers.profile,
        status=filt["status"],
        role=filt["role"],
        search=filt["search"],
        offset=(filt["page"] - 1) * NODES_PER_PAGE,
        limit=NODES_PER_PAGE,
    )
    out: dict[str, Any] = {
        "contexts": [],
        "current": None,
        "kube_error": None,
        "fleet": fleet,
        "filter": filt,
        "pages": max(1, -(-fleet.matching // NODES_PER_PAGE)),
        "reports": fleet.reports,
        "node_command": f"wbsetup probe --node {answers.profile}.yaml --role app   # or --role client",
    }
    value = resolved(answers).deploy.kubeconfig
    if value is not None:
        try:
            text = value.get_secret_value()
            out["contexts"] = kubeconfig.contexts(text)
            out["current"] = kubeconfig.current_context(text)
        except Exception as exc:  # KubeconfigError: its message never contains credentials
            out["kube_error"] = msg("%(path)s: %(problem)s", path="kubeconfig", problem=exc)
    return out


EXTRAS: dict[str, Callable[[Any, Store, Answers], dict]] = {
    "hardware": _hardware,
    "database": _database,
    "object_store": _object_store,
    "deploy": _deploy,
}


def extras_for(request, store: Store, answers: Answers, step: str) -> dict:
    fn = EXTRAS.get(step)
    return {"extras": fn(request, store, answers) if fn else {}}
