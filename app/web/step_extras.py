"""Per-step additions to the step page (measured hardware, bootstrap SQL, CORS preview, node reports)."""

from __future__ import annotations

from app.answers import Answers
from app.store import Store
from app.i18n.message import msg


def extras_for(request, store: Store, answers: Answers, step: str) -> dict:
    fn = globals().get(f"_{step}")
    return {"extras": fn(request, store, answers) if fn else {}}


def _hardware(request, store: Store, answers: Answers) -> dict:
    req = __import__("app.requirements", fromlist=["load"]).load(answers.requirements)
    return {"measurements": store.measurements(answers.profile), "requirement": req["hardware"]}


def _object_store(request, store: Store, answers: Answers) -> dict:
    from app.artifacts.cors import cors_xml, minio_setup_sh

    return {"cors_xml": cors_xml(answers), "minio_sh": minio_setup_sh(answers)}


def _database(request, store: Store, answers: Answers) -> dict:
    try:
        from app.artifacts.sql import bootstrap_sql, mysql_cnf, parameters_sql
    except ImportError:  # pragma: no cover - during development of the database step
        return {"bootstrap_sql": "", "parameters_sql": "", "mysql_cnf": "", "has_admin": False}
    shown = answers.model_copy(deep=True)
    shown.database.password = None  # the page shows ${WANDB_DB_PASSWORD}, never the password
    return {"bootstrap_sql": bootstrap_sql(shown), "parameters_sql": parameters_sql(answers),
            "mysql_cnf": mysql_cnf(answers),
            "has_admin": bool(answers.database.admin_user and answers.database.admin_password)}


def _deploy(request, store: Store, answers: Answers) -> dict:
    from app.checks import kubeconfig
    from app.checks.runs import resolved

    out = {"contexts": [], "current": None, "kube_error": None,
           "reports": store.node_reports(answers.profile),
           "node_command": f"wbsetup probe --node {answers.profile}.yaml --role app   # or --role client"}
    value = resolved(answers).deploy.kubeconfig
    if value is not None:
        try:
            text = value.get_secret_value()
            out["contexts"] = kubeconfig.contexts(text)
            out["current"] = kubeconfig.current_context(text)
        except Exception as exc:  # KubeconfigError: its message never contains credentials
            out["kube_error"] = msg("%(path)s: %(problem)s", path="kubeconfig", problem=exc)
    return out
