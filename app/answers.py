"""The answers model (§2): the single source of truth for the web forms, the answers file,
its JSON Schema, the checks and the artifacts.

Every section forbids unknown keys; every key but `schema` and `profile` is optional while editing
(a check whose inputs are missing reports `skip`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from app.facts.quantity import QUANTITY  # the Kubernetes quantity grammar (re-exported)
from app.i18n.message import N_, Msg, Text, as_msg, message_of, msg
from app.secret import EnvRef, Secret, UnresolvedSecret
from app.steps import DEFAULT_STEPS, STEPS
from app.suggest import suggest  # re-exported: app.answers.STEPS

HOSTNAME = r"^[A-Za-z0-9_]([A-Za-z0-9_.:-]{0,251}[A-Za-z0-9_\]])?$|^\[[0-9A-Fa-f:.]+\]$"
REGISTRY = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]{1,128}){0,8}$"
# A Docker registry user name: printable ASCII without `:` (docker's `auth` is base64 of user:password).
REGISTRY_USER = r"^[\x20-\x39\x3b-\x7e]{1,255}$"
PEM = dict(json_schema_extra={"widget": "pem"}, max_length=65536)
# Unicode White_Space: what `\s` means to pydantic-core's Rust regex engine (Python's `\s` adds U+001C–U+001F).
_WHITE_SPACE = "\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CHART_REPO = r"^(https?|oci)://[^\s]{1,2040}$"
BACKUP_DIR = r"^/[^\x00-\x1f]{0,1023}$"


class PythonPattern:
    """`Field(pattern=…)` for a pattern whose counted repetition of a large Unicode class costs pydantic-core's
    Rust engine tens of milliseconds to compile at every start (CHART_REPO: ~50 ms, BACKUP_DIR: ~8 ms; every
    other pattern here < 1 ms): the same check with Python's `re`, compiled in microseconds. `python` is
    `pattern` as a Python full match (same strings accepted: tests/test_answers.py compares every code point);
    the error (type, context, message) and the JSON Schema are those of `Field(pattern=pattern)`."""

    def __init__(self, pattern: str, python: str):
        self.pattern, self._python = pattern, re.compile(python)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        out = handler(schema)
        out["pattern"] = self.pattern
        return out

    def _check(self, value: str) -> str:
        from pydantic_core import PydanticCustomError

        if self._python.fullmatch(value) is None:
            try:  # the Rust engine reads UTF-8: a lone surrogate is not a string to it
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise PydanticCustomError(
                    "string_unicode", "Input should be a valid string, unable to parse raw data as a unicode string"
                ) from None
            raise PydanticCustomError(
                "string_pattern_mismatch", "String should match pattern '{pattern}'", {"pattern": self.pattern}
            )
        return value


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
    chart_repo: (
        Annotated[str, PythonPattern(CHART_REPO, rf"(?:https?|oci)://[^{_WHITE_SPACE}\ud800-\udfff]{{1,2040}}")] | None
    ) = _field(N_("Chart repository"), N_("helm-operator, air-gapped: internal Helm repository holding operator-wandb"))
    chart_version: Annotated[str, Field(pattern=r"^v?[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$")] | None = _field(
        N_("Chart version"), N_("helm-operator: operator-wandb chart version to pin, e.g. 0.43.8")
    )


class Operations(Section):
    backup_dir: Annotated[str, PythonPattern(BACKUP_DIR, r"/[^\x00-\x1f\ud800-\udfff]{0,1023}")] = _field(
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


class AnswersError(ValueError):
    """An invalid answers document; `errors` are "path: message" lines."""

    def __init__(self, errors: Sequence[Text]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


# What each field pattern allows, in words: a validation error names it instead of the regular expression.
ALLOWED = {
    r"^[A-Za-z0-9_-]{1,32}$": N_("letters, digits, _ and - (1–32 characters), e.g. x86_64"),
    HOSTNAME: N_("a host name or IP address, e.g. mysql.acme.internal, 10.0.0.5 or [fd00::5]"),
    r"^[A-Za-z0-9_]{1,64}$": N_("letters, digits and _ (1–64 characters), e.g. wandb_local"),
    r"^[\x20-\x7e]{1,32}$": N_("1–32 printable ASCII characters"),
    r"^[\x20-\x7e]{1,256}$": N_("1–256 printable ASCII characters"),
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": N_(
        "3–63 lower-case letters, digits, . and -, starting and ending with a letter or digit, e.g. wandb-files"
    ),
    r"^[A-Za-z0-9_-]{1,64}$": N_("letters, digits, _ and - (1–64 characters), e.g. us-east-1"),
    r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$": N_(
        "lower-case letters, digits, . and - (a Kubernetes object name), e.g. nginx"
    ),
    r"^[a-z0-9][a-z0-9._/:-]{0,254}$": N_("an image name such as wandb/local or registry.acme.internal/wandb/local"),
    r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$": N_("a release tag such as 0.70.0"),
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$": N_("lower-case letters, digits and - (at most 63 characters), e.g. wandb"),
    REGISTRY_USER: N_("1–255 printable ASCII characters without :"),
    REGISTRY: N_("a registry host with an optional port and path, e.g. registry.acme.internal:5000/mirror"),
    CHART_REPO: N_("an http(s):// or oci:// URL, e.g. https://charts.acme.internal/wandb"),
    r"^v?[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$": N_("a chart version such as 0.43.8"),
    BACKUP_DIR: N_("an absolute path such as /var/backups/wandb-mysql"),
    QUANTITY: N_("a Kubernetes quantity such as 2, 500m, 4Gi or 512Mi"),
    r"^[a-z0-9][a-z0-9-]{0,62}$": N_("lower-case letters, digits and - (at most 63 characters), e.g. acme-prod"),
}


def error_message(err: Mapping[str, Any]) -> Text:
    """One validation error in words an operator can act on: what is allowed, not pydantic's wording."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        close = suggest(str(err["loc"][-1]), allowed_keys(err["loc"][:-1])) if err.get("loc") else None
        return msg("unknown key; did you mean %(key)s?", key=f"`{close}`") if close else N_("unknown key")
    if kind == "missing":
        return N_("required key is missing")
    if kind == "string_pattern_mismatch":
        allowed = ALLOWED.get(str(ctx.get("pattern")))
        return msg("not allowed here; use %(allowed)s", allowed=allowed) if allowed else err["msg"]
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return N_("must be a whole number")
    if kind in ("float_parsing", "float_type"):
        return N_("must be a number")
    if kind in ("bool_parsing", "bool_type"):
        return N_("must be true or false")
    if kind == "greater_than_equal":
        return msg("must be at least %(ge)s", ge=format(ctx["ge"], "g"))
    if kind == "greater_than":
        return msg("must be greater than %(gt)s", gt=format(ctx["gt"], "g"))
    if kind == "less_than_equal":
        return msg("must be at most %(le)s", le=format(ctx["le"], "g"))
    if kind == "string_too_long":
        return msg("too long: at most %(max_length)s characters", max_length=ctx["max_length"])
    if kind in ("literal_error", "enum"):
        return msg("must be one of %(expected)s", expected=ctx["expected"])
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return N_("must be a mapping of keys to values")
    if kind == "string_type":
        return N_("must be text")
    if isinstance(ctx.get("error"), Exception):  # a validator's ValueError: the message it was raised with
        return message_of(ctx["error"])
    return err["msg"].removeprefix("Value error, ")


def allowed_keys(loc: Sequence[Any]) -> list[str]:
    """The keys the section at `loc` (a validation error's location) allows, as the answers file spells them."""
    model: type[BaseModel] = Answers
    for part in loc:
        info = model.model_fields.get(str(part))
        if info is None:
            info = next((f for f in model.model_fields.values() if f.alias == part), None)
        sub = info.annotation if info is not None else None
        if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
            return []
        model = sub
    return [f.alias or name for name, f in model.model_fields.items()]


def format_errors(exc: ValidationError) -> list[Msg]:
    """One "path: problem" message per error (params `path` and `problem`)."""
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"]) or "(document)"
        lines.append(msg("%(path)s: %(problem)s", path=path, problem=as_msg(error_message(err))))
    return lines


def field_errors(exc: ValidationError) -> dict[str, Any]:
    """{dotted path: message} for forms."""
    out: dict[str, str] = {}
    for line in format_errors(exc):
        out.setdefault(line.params["path"], line.params["problem"])
    return out


def parse_document(doc: Any) -> Answers:
    if not isinstance(doc, dict):
        raise AnswersError([N_("(document): the answers file must be a mapping of keys to values")])
    try:
        return Answers.model_validate(doc)
    except ValidationError as exc:
        raise AnswersError(format_errors(exc)) from None


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
    "format_errors",
    "field_errors",
    "get_path",
]
