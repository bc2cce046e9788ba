"""Pure judgements for the database checks: version strings, grants, server parameters.

Facts in, verdicts out, no I/O, so every rule is a table-driven unit test. The thresholds come from
the requirement profile's `database:` section (app/requirements/*.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.i18n.message import N_, Text, msg, msg_format

# -- versions --------------------------------------------------------------------------------------

_NUM = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")
# Aurora MySQL 3 reports e.g. `8.0.mysql_aurora.3.05.2` (handshake and VERSION()).
_AURORA = re.compile(r"mysql_aurora\.(\d+)\.(\d+)(?:\.(\d+))?", re.I)
# MariaDB behind a replication-compatible prefix: `5.5.5-10.11.6-MariaDB`.
_MARIADB = re.compile(r"(?:^5\.5\.5-)?(\d+\.\d+(?:\.\d+)?)[^ ]*mariadb", re.I)


def vtuple(text: str) -> tuple[int, ...]:
    """ "8.0.28" -> (8, 0, 28); "3.05.2" -> (3, 5, 2)."""
    return tuple(int(p) for p in text.split("."))


@dataclass(frozen=True)
class ServerVersion:
    """A parsed server version. `number` is the MySQL-compatible x.y.z (patch None if unknown)."""

    raw: str
    flavor: str  # "MySQL", "MariaDB", "Aurora MySQL" or "unknown"
    number: tuple[int, ...] | None
    aurora: tuple[int, ...] | None = None
    aurora_text: str | None = None

    @property
    def shown(self) -> str:
        return ".".join(map(str, self.number)) if self.number else self.raw


def parse_version(raw: str, aurora_version: str | None = None) -> ServerVersion:
    """Parse `SELECT VERSION()` (or the handshake's version); `aurora_version` is the result of
    `SELECT aurora_version()` when the server has that function. Vendor suffixes (`-log`,
    Percona's `-28`, distribution tags) are ignored."""
    raw = (raw or "").strip()
    m = _MARIADB.search(raw)
    if m:
        return ServerVersion(raw, "MariaDB", vtuple(m.group(1)))
    num = _NUM.match(raw)
    number = tuple(int(g) for g in num.groups() if g is not None) if num else None
    a = _AURORA.search(raw)
    if not a and aurora_version:
        a = _NUM.match(aurora_version.strip())
    if a:
        text = ".".join(g for g in a.groups() if g is not None)  # keeps Aurora's "05"
        return ServerVersion(raw, N_("Aurora MySQL"), number, tuple(int(g) for g in a.groups() if g is not None), text)
    return ServerVersion(raw, "MySQL" if number else "unknown", number)


@dataclass(frozen=True)
class Verdict:
    status: str
    message: Text
    hint: Text = ""


def judge_version(v: ServerVersion, rules: dict) -> Verdict:
    """Judge a server version against a profile's `database.version` rules (first match wins)."""
    shown = (
        msg("%(shown)s (Aurora MySQL %(aurora_text)s)", shown=v.shown, aurora_text=v.aurora_text)
        if v.aurora is not None
        else v.shown
    )
    fmt = {"flavor": v.flavor, "version": shown, "aurora": v.aurora_text or ""}
    if v.flavor == "MariaDB":
        r = rules["mariadb"]
        return Verdict(r["status"], msg_format(r["message"], **fmt), r.get("hint", ""))
    if v.number is None:
        return Verdict(
            "warn",
            msg("cannot read a MySQL version from %(raw)s", raw=repr(v.raw)),
            N_("Check that the server is MySQL 8.4.x"),
        )
    number = v.number
    if v.aurora is not None:
        a = rules["aurora"]
        if v.aurora < vtuple(a["min"]):
            return Verdict("fail", msg_format(a["message"], **fmt), a.get("hint", ""))
        number = max(number, vtuple(a["judged_as"]))  # "judged as 8.0.x"
    for rule in rules["rules"]:
        if "below" not in rule or number < vtuple(rule["below"]):
            message = msg_format(rule.get("message", "{flavor} {version}"), **fmt)
            if v.aurora is not None and rule["status"] == "pass":
                message = msg(
                    "Aurora MySQL %(aurora)s (MySQL %(shown)s compatible)", aurora=fmt["aurora"], shown=v.shown
                )
            return Verdict(rule["status"], message, rule.get("hint", ""))
    raise ValueError(N_("the version rules must end with a rule without `below`"))


# -- server parameters -----------------------------------------------------------------------------


def fix_hint(name: str, value) -> Text:
    """The fix as both a SET PERSIST statement and a my.cnf line."""
    literal = f"'{value}'" if isinstance(value, str) else str(value)
    return msg(
        "SET PERSIST %(name)s = %(literal)s;  or in my.cnf [mysqld]: %(name)s = %(value)s",
        name=name,
        literal=literal,
        value=value,
    )


def judge_parameter(
    name: str, observed: str | None, rule: dict, version: ServerVersion | None = None, log_bin: str | None = None
) -> Verdict:
    """Judge one server variable against its rule ({value, compare, below, warn_min, skip_on})."""
    if (
        version is not None
        and version.number
        and any(version.number[: len(vtuple(s))] == vtuple(s) for s in rule.get("skip_on", ()))
    ):
        return Verdict("skip", msg("%(name)s is not judged on MySQL %(shown)s", name=name, shown=version.shown))
    want = rule["value"]
    hint = fix_hint(name, want)
    if observed is None:
        return Verdict("warn", msg("%(name)s is unknown: the server has no such variable", name=name), hint)
    below = rule.get("below", "fail")
    if rule["compare"] == "equals":
        ok = str(observed).strip().upper() == str(want).upper()
        why = msg("%(name)s is %(observed)s; W&B requires %(want)s", name=name, observed=observed, want=want)
    else:
        try:
            number = int(str(observed).strip())
        except ValueError:
            return Verdict(
                "warn", msg("%(name)s is %(observed)s, not a number", name=name, observed=repr(observed)), hint
            )
        if number >= want:
            return Verdict("pass", f"{name} is {observed} (≥ {want})")
        if "warn_min" in rule and number >= rule["warn_min"]:
            return Verdict(
                "warn",
                msg(
                    "%(name)s is %(observed)s; W&B recommends at least %(want)s",
                    name=name,
                    observed=observed,
                    want=want,
                ),
                hint,
            )
        ok, why = (
            False,
            (
                msg(
                    "%(name)s is %(observed)s; W&B recommends at least %(want)s",
                    name=name,
                    observed=observed,
                    want=want,
                )
                if below == "warn"
                else msg(
                    "%(name)s is %(observed)s; W&B requires at least %(want)s", name=name, observed=observed, want=want
                )
            ),
        )
    if ok:
        return Verdict("pass", f"{name} is {observed}")
    if name.startswith("binlog") and log_bin and log_bin.upper() == "OFF":
        why = msg("%(why)s (binary logging is off; it applies once log_bin is on)", why=why)
    return Verdict(below, why, hint)


# -- grants ----------------------------------------------------------------------------------------

# The database-level privileges ALL PRIVILEGES stands for (MySQL 8.4 / 5.7; MariaDB adds more).
DB_PRIVILEGES = frozenset(
    {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "REFERENCES",
        "INDEX",
        "ALTER",
        "CREATE TEMPORARY TABLES",
        "LOCK TABLES",
        "EXECUTE",
        "CREATE VIEW",
        "SHOW VIEW",
        "CREATE ROUTINE",
        "ALTER ROUTINE",
        "EVENT",
        "TRIGGER",
    }
)
_IDENT = r"(?:`(?:[^`]|``)*`|\"(?:[^\"]|\"\")*\"|[^\s.`\"]+)"
_GRANT = re.compile(
    rf"^GRANT\s+(?P<privs>.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE)\s+)?"
    rf"(?P<db>\*|{_IDENT})\.(?P<tbl>\*|{_IDENT})\s+TO\s",
    re.I | re.S,
)


def _unquote(ident: str) -> str:
    if ident[:1] == "`":
        return ident[1:-1].replace("``", "`")
    if ident[:1] == '"':
        return ident[1:-1].replace('""', '"')
    return ident


def db_pattern_matches(pattern: str, name: str) -> bool:
    """Does the database part of a GRANT (`wandb\\_local`, `wandb%`, `wandb_local`) cover `name`?
    In GRANT, `_` and `%` are wildcards unless escaped with a backslash."""
    regex, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex += re.escape(pattern[i + 1])
            i += 2
            continue
        regex += "." if ch == "_" else ".*" if ch == "%" else re.escape(ch)
        i += 1
    return re.fullmatch(regex, name, re.S) is not None


def _privileges(text: str) -> set[str]:
    text = re.sub(r"\([^)]*\)", "", text)  # column lists: SELECT (a, b)
    return {" ".join(p.split()).upper() for p in text.split(",") if p.strip()}


def has_all_privileges(grants: list[str], name: str) -> tuple[bool, str | None]:
    """Whether SHOW GRANTS lines give ALL PRIVILEGES on `name`.* (or *.*); and the matching line."""
    held: set[str] = set()
    for line in grants:
        m = _GRANT.match(line.strip())
        if not m or m.group("tbl") != "*":
            continue
        db = m.group("db")
        if db != "*" and not db_pattern_matches(_unquote(db), name):
            continue
        privs = _privileges(m.group("privs"))
        if privs & {"ALL", "ALL PRIVILEGES"}:
            return True, line.strip()
        held |= privs
        if held >= DB_PRIVILEGES:  # MySQL 8 lists root's privileges one by one instead of ALL
            return True, line.strip()
    return False, None


def split_account(current_user: str) -> tuple[str, str]:
    """'wandb_local@%' (CURRENT_USER()) -> ('wandb_local', '%')."""
    user, _, host = current_user.rpartition("@")
    return (user, host) if user else (current_user, "%")


def redact_grant(line: str) -> str:
    """A SHOW GRANTS line without credentials (MariaDB prints `IDENTIFIED BY PASSWORD '*hash'`)."""
    at = re.search(r"\sIDENTIFIED\s", line, re.I)
    if not at:
        return line
    return line[: at.start()] + re.sub(r"'(?:[^'\\]|\\.)*'", "'…'", line[at.start() :])


def is_role_grant(line: str) -> bool:
    """`GRANT `role`@`%` TO …` (a role, no ON clause)."""
    return re.match(r"^GRANT\s", line, re.I) is not None and re.search(r"\sON\s", line, re.I) is None
