"""kubeconfig text → a validated lightkube configuration for the live cluster checks (§4.5).

The kubeconfig is a secret (`deploy.kubeconfig`): nothing here logs, echoes or puts any of its
credentials into an error message — errors name fields and context names only.

Supported authentication: bearer `token`, client certificate (`client-certificate-data` /
`client-key-data`, or absolute file paths), with the cluster's `certificate-authority-data` (or an
absolute file path). lightkube writes `*-data` values to private temporary files
(`NamedTemporaryFile`, mode 0600) only while it builds the TLS context and deletes them right after,
so no cleanup is left to us. Exec plugins and auth-providers run programs on the wizard host and
usually need a browser login: refused with a clear message.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import yaml

from app.i18n.message import N_, msg

UNSUPPORTED_AUTH = msg("not supported here: use a token or client certificate")


class KubeconfigError(ValueError):
    """The kubeconfig text cannot be used; the message is safe to show (no credentials)."""


def parse(text: str) -> dict:
    """Parse and shape-check kubeconfig text; raises KubeconfigError naming what is wrong."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        raise KubeconfigError(N_("deploy.kubeconfig is not valid YAML")) from None
    if not isinstance(doc, dict):
        raise KubeconfigError(N_("deploy.kubeconfig must be a kubeconfig document (a mapping)"))
    for key in ("clusters", "contexts"):
        items = doc.get(key)
        if not isinstance(items, list) or not items:
            raise KubeconfigError(msg("deploy.kubeconfig has no %(key)s", key=key))
    for key in ("clusters", "contexts", "users"):
        for item in doc.get(key) or []:
            inner = key[:-1]
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or not isinstance(item.get(inner), dict)
            ):
                raise KubeconfigError(
                    msg(
                        "deploy.kubeconfig: every entry of %(key)s needs a name and a %(inner)s mapping",
                        key=key,
                        inner=inner,
                    )
                )
    return doc


def contexts(text: str) -> list[str]:
    """The context names of a kubeconfig, in file order."""
    return [c["name"] for c in parse(text)["contexts"]]


def current_context(text: str) -> str | None:
    """The kubeconfig's current-context (None when unset)."""
    value = parse(text).get("current-context")
    return value or None


def _named(doc: dict, key: str, name: str) -> dict | None:
    inner = key[:-1]
    for item in doc.get(key) or []:
        if item["name"] == name:
            return item[inner]
    return None


def _check_data(value: Any, what: str) -> None:
    try:
        base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise KubeconfigError(msg("deploy.kubeconfig: %(what)s is not base64 data", what=what)) from None


def _check_file(value: Any, what: str) -> None:
    if not isinstance(value, str) or not value.startswith("/"):
        raise KubeconfigError(
            msg("deploy.kubeconfig: %(what)s must be an absolute path, or use %(what)s-data", what=what)
        )


def resolve(text: str, context: str | None = None) -> tuple[str, dict, dict]:
    """(context name, cluster mapping, user mapping) for `context` (default: current-context),
    validated for what the checks support."""
    doc = parse(text)
    name = context or doc.get("current-context")
    if not name:
        names = ", ".join(c["name"] for c in doc["contexts"])
        raise KubeconfigError(
            msg("deploy.kubeconfig has no current-context: set deploy.context (one of: %(names)s)", names=names)
        )
    ctx = _named(doc, "contexts", name)
    if ctx is None:
        names = ", ".join(c["name"] for c in doc["contexts"])
        raise KubeconfigError(
            msg("context %(name)s is not in deploy.kubeconfig (contexts: %(names)s)", name=repr(name), names=names)
        )
    cluster = _named(doc, "clusters", str(ctx.get("cluster")))
    if cluster is None:
        raise KubeconfigError(
            msg(
                "context %(name)s names cluster %(cluster)s, which is not in the kubeconfig",
                name=repr(name),
                cluster=repr(ctx.get("cluster")),
            )
        )
    server = cluster.get("server")
    if not isinstance(server, str) or not server.startswith(("https://", "http://")):
        raise KubeconfigError(
            msg("cluster %(cluster)s needs a server URL (https://host:6443)", cluster=repr(ctx.get("cluster")))
        )
    if "certificate-authority-data" in cluster:
        _check_data(cluster["certificate-authority-data"], "certificate-authority")
    elif "certificate-authority" in cluster:
        _check_file(cluster["certificate-authority"], "certificate-authority")
    user = _named(doc, "users", str(ctx.get("user"))) if ctx.get("user") else None
    if user is None:
        raise KubeconfigError(
            msg("context %(name)s has no user: add a user with a token or client certificate", name=repr(name))
        )
    if user.get("exec") or user.get("auth-provider"):
        kind = msg("exec plugins") if user.get("exec") else msg("auth-provider plugins")
        raise KubeconfigError(
            msg(
                "kubeconfig user of context %(name)s uses %(kind)s: %(unsupported_auth)s",
                name=repr(name),
                kind=kind,
                unsupported_auth=UNSUPPORTED_AUTH,
            )
        )
    has_cert = any(k in user for k in ("client-certificate-data", "client-certificate"))
    if not user.get("token") and not user.get("tokenFile") and not has_cert:
        raise KubeconfigError(
            msg(
                "kubeconfig user of context %(name)s has no credentials: %(unsupported_auth)s",
                name=repr(name),
                unsupported_auth=UNSUPPORTED_AUTH,
            )
        )
    for key in ("client-certificate", "client-key"):
        if f"{key}-data" in user:
            _check_data(user[f"{key}-data"], key)
        elif key in user:
            _check_file(user[key], key)
    if has_cert and not any(k in user for k in ("client-key-data", "client-key")):
        raise KubeconfigError(
            msg("kubeconfig user of context %(name)s has a client certificate but no client key", name=repr(name))
        )
    if "tokenFile" in user:
        _check_file(user["tokenFile"], "tokenFile")
    return name, cluster, user


def server(text: str, context: str | None = None) -> str:
    """The API server URL of the chosen context (not a secret)."""
    return resolve(text, context)[1]["server"]


def single_config(text: str, context: str | None = None):
    """The lightkube SingleConfig for `context` (default: current-context)."""
    from lightkube.config.kubeconfig import KubeConfig

    name, cluster, user = resolve(text, context)
    conf = {
        "current-context": name,
        "clusters": [{"name": "c", "cluster": cluster}],
        "contexts": [{"name": name, "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": user}],
    }
    try:
        return KubeConfig.from_dict(conf).get(name)
    except Exception as exc:  # msgspec validation errors name fields, never values
        raise KubeconfigError(msg("deploy.kubeconfig cannot be used: %(type)s", type=type(exc).__name__)) from None
