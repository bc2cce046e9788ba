"""The answers model (§2): the single source of truth for the web forms, the answers file,
its JSON Schema, the checks and the artifacts.

Every section forbids unknown keys; every key but `schema` and `profile` is optional while editing
(a check whose inputs are missing reports `skip`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from app.answer_errors import AnswersError, format_errors
from app.answer_patterns import BACKUP_DIR_CHECK, CHART_REPO_CHECK, HOSTNAME, PEM, REGISTRY, REGISTRY_USER
from app.facts.quantity import QUANTITY  # the Kubernetes quantity grammar (re-exported)
from app.i18n.message import N_, msg
from app.secret import EnvRef, Secret, UnresolvedSecret
from app.steps import DEFAULT_STEPS, STEPS


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _field(title: str, description: str = "", **kw) -> Any:
    return Field(default=kw.pop("default", None), title=title, description=description, **kw)


class AppNodes(Section):
    nodes: int | None = _field(N_("Application nodes"), N_("How many W&B application nodes"), ge=1, le=1000)
    arch: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")] | None = _field(
        N_("CPU architecture"), N_("uname -m of the nodes (x86_64 / amd64 required)")
    )
    cpu_cores: int | None = _field(N_("CPU cores"), N_("Per node"), ge=1, le=4096)
    memory_gib: float | None = _field(N_("Memory (GiB)"), N_("Per node"), gt=0, le=65536)
    disk_gb: float | None = _field(N_("Root disk (GB)"), N_("Root disk size"), gt=0, le=10_000_000)
    disk_mbps: float | None = _field(
        N_("Disk bandwidth (Mbps)"), N_("Root disk sequential write, megabits/s"), gt=0, le=10_000_000
    )
    nics: int | None = _field(N_("Network interfaces"), N_("Interfaces of at least the link speed below"), ge=0, le=64)
    nic_gbps: float | None = _field(N_("Link speed (Gbps)"), N_("Per interface"), gt=0, le=10_000)


class DatabaseNode(Section):
    cpu_cores: int | None = _field(N_("CPU cores"), "", ge=1, le=4096)
    memory_gib: float | None = _field(N_("Memory (GiB)"), "", gt=0, le=65536)
    # The same names as the application nodes' and hardware.database.disk's (REFERENCE.md: "root disk size").
    disk_gb: float | None = _field(N_("Root disk (GB)"), N_("Root disk size"), gt=0, le=10_000_000)
    disk_mbps: float | None = _field(
        N_("Disk bandwidth (Mbps)"), N_("Root disk sequential write, megabits/s"), gt=0, le=10_000_000
    )
    nics: int | None = _field(N_("Network interfaces"), "", ge=0, le=64)
    nic_gbps: float | None = _field(N_("Link speed (Gbps)"), "", gt=0, le=10_000)


class Hardware(Section):
    app: AppNodes = Field(default_factory=AppNodes, title=N_("Application nodes"))
    database: DatabaseNode = Field(default_factory=DatabaseNode, title=N_("Database server"))


class Database(Section):
    host: Annotated[str, Field(pattern=HOSTNAME)] | None = _field(N_("Host"), N_("MySQL server host name or IP"))
    port: int = _field(N_("Port"), "", default=3306, ge=1, le=65535)
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")] = _field(
        N_("Database name"), N_("Letters, digits and _ (at most 64)"), default="wandb_local"
    )
    user: Annotated[str, Field(pattern=r"^[\x20-\x7e]{1,32}$")] = _field(
        N_("User"), N_("The application user (1–32 printable characters)"), default="wandb_local"
    )
    password: Secret(N_("The application user's password"), title=N_("Password"))
    tls: Literal["disabled", "preferred", "required", "verify-ca", "verify-identity"] = _field(
        N_("TLS"), N_("How the connection to MySQL is encrypted and verified"), default="preferred"
    )
    ca_pem: str | None = _field(N_("CA certificate (PEM)"), N_("For verify-ca / verify-identity"), **PEM)
    admin_user: Annotated[str, Field(pattern=r"^[\x20-\x7e]{1,32}$")] | None = _field(
        N_("Admin user"), N_("Only for the “apply bootstrap” action")
    )
    admin_password: Secret(N_("Only for the “apply bootstrap” action"), title=N_("Admin password"))


class ObjectStore(Section):
    endpoint: str | None = _field(N_("Endpoint"), N_("http(s)://host[:port] of the S3 API"), max_length=2048)
    bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = _field(
        N_("Bucket"), N_("S3 bucket name")
    )
    region: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = _field(
        N_("Region"), N_("The bucket's region (AWS_REGION)"), default="us-east-1"
    )
    access_key: Annotated[str, Field(pattern=r"^[\x20-\x7e]{1,256}$")] | None = _field(N_("Access key"), "")
    secret_key: Secret(N_("The secret access key"), title=N_("Secret key"))
    ca_pem: str | None = _field(
        N_("CA certificate (PEM)"), N_("Private CA of the store (W&B then needs customCACerts)"), **PEM
    )
    path_style: bool = _field(N_("Path-style addressing"), N_("host/bucket instead of bucket.host"), default=True)
    kms_key: Annotated[str, Field(max_length=2048)] | None = _field(N_("KMS key"), N_("Leave empty outside AWS"))

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.rstrip("/")
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(N_("an http:// or https:// URL such as https://s3.acme.internal:9000"))
        if parts.path or parts.query or parts.fragment or parts.username:
            raise ValueError(N_("scheme, host and port only (no path, query or credentials)"))
        _port(parts)
        return v


class TLS(Section):
    mode: Literal["provided", "external", "cert-manager", "none"] = _field(
        N_("TLS mode"), N_("Who terminates TLS for W&B"), default="provided"
    )
    cert_pem: str | None = _field(N_("Certificate chain (PEM)"), N_("Leaf first, then intermediates"), **PEM)
    key_pem: Secret(N_("The leaf's private key (PEM)"), title=N_("Private key (PEM)"), widget="pem", max_length=65536)
    ca_pem: str | None = _field(N_("Extra trust anchor (PEM)"), N_("Optional CA used only for validation"), **PEM)
    issuer: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] | None = _field(
        N_("ClusterIssuer"), N_("cert-manager mode: the ClusterIssuer name")
    )


class Deploy(Section):
    target: Literal["kubernetes", "helm-operator", "docker-compose"] = _field(
        N_("Deploy target"), "", default="kubernetes"
    )
    image: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._/:-]{0,254}$")] = _field(
        N_("Image"), N_("Without the tag"), default="wandb/local"
    )
    version: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")] | None = _field(
        N_("Version"), N_("Image tag, e.g. 0.70.0")
    )
    namespace: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")] = _field(
        N_("Namespace"), N_("Kubernetes namespace"), default="wandb"
    )
    replicas: int = _field(N_("Replicas"), "", default=1, ge=1, le=100)
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = _field(N_("Service type"), "", default="ClusterIP")
    ingress_class: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] = _field(
        N_("Ingress class"), "", default="nginx"
    )
    cpu_request: Annotated[str, Field(pattern=QUANTITY)] = _field(N_("CPU request"), "", default="2")
    memory_request: Annotated[str, Field(pattern=QUANTITY)] = _field(N_("Memory request"), "", default="4Gi")
    cpu_limit: Annotated[str, Field(pattern=QUANTITY)] = _field(N_("CPU limit"), "", default="4")
    memory_limit: Annotated[str, Field(pattern=QUANTITY)] = _field(N_("Memory limit"), "", default="8Gi")
    kubeconfig: Secret(
        N_("kubeconfig for the live cluster checks"), title=N_("kubeconfig"), widget="pem", max_length=262144
    )
    context: Annotated[str, Field(max_length=253)] | None = _field(N_("Context"), N_("Default: the current-context"))
    redis_url: Secret(
        N_("External Redis 7 (redis://[:password@]host:6379[/db]); needed for replicas > 1 on kubernetes"),
        title=N_("Redis URL"),
        max_length=2048,
    )
    registry: Annotated[str, Field(pattern=REGISTRY)] | None = _field(
        N_("Private registry"),
        N_("Air-gapped: every image is pulled from this prefix, e.g. registry.acme.internal/mirror"),
    )
    registry_username: Annotated[str, Field(pattern=REGISTRY_USER)] | None = _field(
        N_("Registry user"), N_("For pulling from the private registry (most private registries require credentials)")
    )
    registry_password: Secret(
        N_("The registry user's password or access token"), title=N_("Registry password"), max_length=4096
    )
    registry_ca_pem: str | None = _field(
        N_("Registry CA certificate (PEM)"), N_("Private CA of the registry's HTTPS certificate"), **PEM
    )
    chart_repo: Annotated[str, CHART_REPO_CHECK] | None = _field(
        N_("Chart repository"), N_("helm-operator, air-gapped: internal Helm repository holding operator-wandb")
    )
    chart_version: Annotated[str, Field(pattern=r"^v?[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$")] | None = _field(
        N_("Chart version"), N_("helm-operator: operator-wandb chart version to pin, e.g. 0.43.8")
    )


class Operations(Section):
    backup_dir: Annotated[str, BACKUP_DIR_CHECK] = _field(
        N_("Backup directory"),
        N_("Where the daily MySQL dumps are written (an absolute path)"),
        default="/var/backups/wandb-mysql",
    )
    backup_retention_days: int = _field(
        N_("Keep backups (days)"),
        N_("Dumps older than this are deleted (the seed: at least 7)"),
        default=7,
        ge=1,
        le=3650,
    )
    backup_hour: int = _field(N_("Backup hour"), N_("Local hour (0–23) of the daily backup"), default=2, ge=0, le=23)


class Verify(Section):
    api_key: Secret(
        N_("A W&B API key, for the post-install login and version checks"), title=N_("API key"), max_length=256
    )


class Answers(Section):
    """One installation ("profile")."""

    schema_: Literal[1] = Field(alias="schema", title=N_("Answers schema version"))
    profile: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")] = Field(
        title=N_("Profile"), description=N_("Lower-case letters, digits and - (at most 63)")
    )
    requirements: Literal["current", "baseline-8.0.28"] = _field(
        N_("Requirements"), N_("Which W&B requirement set to check against"), default="current"
    )
    language: Literal["en", "ko"] = _field(N_("Language"), N_("UI default and runbook language"), default="en")
    host: str | None = _field(N_("W&B host"), N_("The URL users type: https://wandb.acme.internal"), max_length=2048)
    license: Secret(N_("W&B license"), title=N_("License"), widget="pem", max_length=65536)
    hardware: Hardware = Field(default_factory=Hardware)
    database: Database = Field(default_factory=Database)  # type: ignore[arg-type]  # its Secret() fields default at run time
    object_store: ObjectStore = Field(default_factory=ObjectStore)  # type: ignore[arg-type]  # its Secret() fields default at run time
    tls: TLS = Field(default_factory=TLS)  # type: ignore[arg-type]  # its Secret() fields default at run time
    deploy: Deploy = Field(default_factory=Deploy)  # type: ignore[arg-type]  # its Secret() fields default at run time
    operations: Operations = Field(default_factory=Operations)
    verify: Verify = Field(default_factory=Verify)  # type: ignore[arg-type]  # its Secret() fields default at run time

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)

    @field_validator("host")
    @classmethod
    def _host(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if v.endswith("/") and urlsplit(v).path == "/":
            v = v[:-1]
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(N_("http(s)://hostname[:port], e.g. https://wandb.acme.internal"))
        if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
            raise ValueError(N_("http(s)://hostname[:port] only: no path, query, fragment or user"))
        _port(parts)
        return v

    # -- secrets ---------------------------------------------------------------------------------
    def secrets(self) -> Iterator[tuple[str, Any]]:
        """(dotted path, value) of every secret field, present or not."""
        for path in SECRET_FIELDS:
            yield path, get_path(self, path)

    def resolved(
        self, env: Mapping[str, str], *, strict: bool = True, required: Iterable[str] | None = None
    ) -> Answers:
        """A copy whose {env: VAR} references are replaced by the variables' values.

        strict: an unset variable raises UnresolvedSecret naming every such field and variable at once;
        otherwise the secret is left absent (its checks then skip as "input missing"). `required`: only
        these secret fields must resolve (app.checks.engine.step_secrets: what the chosen steps read); any other
        unset reference is left absent.
        """
        doc = self.to_document(secrets="plain")
        missing = []
        for path, value in self.secrets():
            if isinstance(value, EnvRef):
                if value.env in env:
                    set_doc_path(doc, path, env[value.env])
                    continue
                if strict and (required is None or path in required):
                    missing.append((path, value.env))
                set_doc_path(doc, path, None)
        if missing:
            raise UnresolvedSecret.of(missing)
        return Answers.model_validate(doc)

    def to_document(self, *, secrets: Literal["refs", "plain"] = "refs") -> dict:
        """A plain dict for YAML/JSON. secrets="refs" writes every literal secret as an
        {env: PLACEHOLDER} reference (§2 export); "plain" reveals literals."""
        doc = json.loads(self.model_dump_json(by_alias=True, exclude_none=True))
        for path, value in self.secrets():
            if value is None:
                continue
            if isinstance(value, EnvRef):
                set_doc_path(doc, path, {"env": value.env})
            elif secrets == "plain":
                set_doc_path(doc, path, value.get_secret_value())
            else:
                set_doc_path(doc, path, {"env": SECRET_PLACEHOLDERS[path]})
        return _prune_empty(doc)


def _port(parts) -> None:
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError(N_("the port must be a number 1–65535")) from exc


def _prune_empty(doc: dict) -> dict:
    out = {}
    for k, v in doc.items():
        if isinstance(v, dict):
            v = _prune_empty(v)
            if not v:
                continue
        out[k] = v
    return out


# The secret fields and the names their placeholders and {env: …} references use.
SECRET_PLACEHOLDERS: dict[str, str] = {
    "license": "WANDB_LICENSE",
    "database.password": "WANDB_DB_PASSWORD",
    "database.admin_password": "WANDB_DB_ADMIN_PASSWORD",
    "object_store.secret_key": "WANDB_S3_SECRET_KEY",
    "tls.key_pem": "WANDB_TLS_KEY",
    "deploy.kubeconfig": "WANDB_KUBECONFIG",
    "deploy.redis_url": "WANDB_REDIS_URL",
    "deploy.registry_password": "WANDB_REGISTRY_PASSWORD",
    "verify.api_key": "WANDB_API_KEY",
}
SECRET_FIELDS = tuple(SECRET_PLACEHOLDERS)


def get_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def set_doc_path(doc: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    if value is None:
        doc.pop(last, None)
    else:
        doc[last] = value


def parse_document(doc: Any) -> Answers:
    if not isinstance(doc, dict):
        raise AnswersError([N_("(document): the answers file must be a mapping of keys to values")])
    try:
        return Answers.model_validate(doc)
    except ValidationError as exc:
        raise AnswersError(format_errors(exc, Answers)) from None


def loads(text: str) -> Answers:
    """Parse an answers file (YAML, or JSON which is YAML too)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = msg(" at line %(line)s, column %(column)s", line=mark.line + 1, column=mark.column + 1) if mark else ""
        raise AnswersError([msg("(document): not valid YAML or JSON%(where)s", where=where)]) from None
    return parse_document(doc)


def load(path: str) -> Answers:
    try:
        with open(path, encoding="utf-8") as fh:
            return loads(fh.read())
    except OSError as exc:
        raise AnswersError(
            [msg("%(path)s: cannot read the answers file (%(strerror)s)", path=path, strerror=exc.strerror)]
        ) from None
    except UnicodeDecodeError:
        raise AnswersError([msg("%(path)s: the answers file is not UTF-8 text", path=path)]) from None


def json_schema() -> dict:
    schema = Answers.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = N_("wbsetup answers")
    return schema


__all__ = [
    "Answers",
    "AnswersError",
    "SecretStr",
    "EnvRef",
    "STEPS",
    "DEFAULT_STEPS",
    "SECRET_FIELDS",
    "SECRET_PLACEHOLDERS",
    "loads",
    "load",
    "parse_document",
    "json_schema",
    "get_path",
]
