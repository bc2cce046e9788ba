"""Structured messages (app/i18n/message.py): a check message, hint, action result or form error keeps its
template (the catalog msgid) and its values; the UI renders gettext(template) % values in the reader's
language. Values are never translated (a host named `pass` stays `pass`), nested messages and lists are
rendered the same way, and results stored in the state database render in Korean after reloading."""

from __future__ import annotations

import ast
import json
import re
import socket
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from markupsafe import escape

from app import i18n
from app.answers import AnswersError
from app.checks.engine import Result, run_checks_sync
from app.i18n.message import (
    Msg,
    MsgList,
    as_msg,
    from_data,
    message_of,
    msg,
    msg_format,
    to_data,
    with_messages,
    with_structure,
)
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
KO = i18n.translations("ko").gettext
HANGUL = re.compile(r"[\uac00-\ud7a3]")
FIELD = re.compile(r"%\((\w+)\)[sd]")


def korean(text: str) -> bool:
    return bool(HANGUL.search(text))


def shown(text: str) -> str:
    """`text` as a Jinja template writes it (autoescaped)."""
    return str(escape(text))


def ko(message) -> str:
    return i18n.message_translator("ko")(message)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def msg_templates() -> set[str]:
    """Every msg() template of app/, as pybabel extracts them (babel.cfg: keywords = msg)."""
    out = set()
    for _, _, msgid, _, _ in extract_from_dir(
        ROOT, [("app/**.py", "python")], options_map={"app/**.py": {"keywords": {"msg": None}}}
    ):
        out.add(msgid if isinstance(msgid, str) else msgid[0])
    return out


def test_every_msg_template_is_in_the_catalog_with_the_same_fields():
    with i18n.po_path("ko").open("rb") as fh:
        catalog = {m.id: m for m in read_po(fh, locale="ko") if m.id}
    templates = {t for t in msg_templates() if FIELD.search(t)}
    assert len(templates) > 250
    missing, bad = [], []
    for template in sorted(templates):
        entry = catalog.get(template)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(template)
        elif set(FIELD.findall(entry.string)) != set(FIELD.findall(template)):
            bad.append(template)
    assert not missing, f"no Korean for these msg() templates (make i18n, then translate): {missing}"
    assert not bad, f"Korean with other fields than the English: {bad}"


# The functions that make a check's, an action's or a form's message and hint.
_MESSAGE_CALLS = {"passed", "fail", "warn", "skip", "error", "outcome", "Verdict", "Failure", "Result"}


def test_no_prose_f_string_becomes_a_message():
    """A message with values is msg("… %(name)s …", name=…), never an f-string: an f-string given as the
    message or hint of a result, verdict or failure could not be translated."""
    bad = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") in _MESSAGE_CALLS):
                continue
            args = [*node.args[:3], *(k.value for k in node.keywords if k.arg in ("message", "hint"))]
            for arg in args:
                if isinstance(arg, ast.JoinedStr):
                    literal = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                    if len(re.findall(r"\b[a-z]{2,}\b", literal)) >= 2:  # prose, not "host:port" or SQL
                        bad.append(f"{path.relative_to(ROOT)}:{arg.lineno}: {ast.unparse(arg)[:80]}")
    assert not bad, bad


def test_values_are_never_translated():
    """`pass`, `warn` and `saved` are catalog words (통과, 경고, 저장됨), but as values they stay as written."""
    assert KO("pass") != "pass" and KO("warn") != "warn" and KO("saved") != "saved"
    m = msg("Add a DNS record for %(host)s: W&B nodes and users' browsers must resolve it too", host="pass")
    text = ko(m)
    assert korean(text) and "pass" in text and KO("pass") not in text
    m = msg("database %(name)s does not exist (or %(user)s cannot see it)", name="saved", user="warn")
    text = ko(m)
    assert korean(text) and "saved" in text and "warn" in text
    assert KO("saved") not in text and KO("warn") not in text


def test_nested_messages_and_lists_render_recursively():
    inner = msg("input missing: %(missing)s", missing="pass")
    outer = msg("skipped: %(dep)s was skipped (%(message)s)", dep="database.connect", message=inner)
    assert str(outer) == "skipped: database.connect was skipped (input missing: pass)"
    text = ko(outer)
    assert text.count(KO("input missing: %(missing)s").split("%")[0].strip()) == 1 and "pass" in text
    assert "input missing" not in text and "skipped" not in text
    items = MsgList([msg("%(node)s: Docker Engine not found", node="warn"), "unknown key"])
    assert str(items) == "warn: Docker Engine not found; unknown key"
    first, second = ko(items).split("; ")
    assert first.startswith("warn: ") and korean(first) and second == KO("unknown key")


def test_stored_form_round_trips():
    m = msg("bucket %(bucket)s is in %(actual)s, not %(region)s", bucket="pass", actual="eu", region="us")
    nested = msg("%(path)s: %(error)s", path="database.port", error=MsgList([m, as_msg("unknown key")]))
    for value in (m, nested, "plain", None, 3):
        back = from_data(json.loads(json.dumps(to_data(value))))
        assert back == value and type(back) is type(value)
    back = from_data(json.loads(json.dumps(to_data(nested))))
    assert ko(back) == ko(nested) and korean(ko(back))


def test_a_result_keeps_english_for_the_report_and_structure_for_the_store():
    r = Result(
        "object_store.bucket",
        "object_store",
        "fail",
        "Bucket",
        msg("bucket %(bucket)s does not exist (NoSuchBucket)", bucket="saved"),
        msg(
            "Create it with `mc mb --region=%(region)s ALIAS/%(bucket)s` or the Create bucket action",
            region="us-east-1",
            bucket="saved",
        ),
    )
    report = json.loads(json.dumps(r.to_dict()))  # SPEC §3 --format json: English strings, no extra key
    assert str(report["message"]) == "bucket saved does not exist (NoSuchBucket)" and "i18n" not in report
    stored = json.loads(json.dumps(r.to_data()))
    assert stored["message"] == report["message"] and stored["i18n"]["message"]["t"].startswith("bucket %(bucket)s")
    again = Result.from_dict(stored)
    assert isinstance(again.message, Msg) and again.message == r.message
    assert korean(ko(again.message)) and "saved" in ko(again.message) and KO("saved") not in ko(again.message)
    old = Result.from_dict(report)  # a row stored before messages were structured: its English as it is
    assert ko(old.message) == "bucket saved does not exist (NoSuchBucket)"


def test_scrubbing_keeps_the_structure():
    from app.checks.engine import _scrub

    m = msg(
        "access denied: %(text)s",
        text=msg("connection to %(where)s failed: %(text)s", where="db", text="password s3cr3t-pw rejected"),
    )
    scrubbed = _scrub(m, ["s3cr3t-pw"])
    assert isinstance(scrubbed, Msg) and "s3cr3t-pw" not in str(scrubbed) and "********" in str(scrubbed)
    assert "s3cr3t-pw" not in json.dumps(to_data(scrubbed)) and korean(ko(scrubbed))


def test_scrubbing_reaches_exception_texts_and_never_leaves_a_secret():
    """A driver's error text that echoes a secret becomes a fixed-text value (its text is its template):
    scrubbing covers templates too, and falls back to the scrubbed English text when a secret spans a value
    and the words around it."""
    from app.checks.engine import _scrub

    leaked = msg(
        "connection to %(where)s failed: %(text)s",
        where="db:3306",
        text=OSError("login with password hunter22 refused"),
    )
    scrubbed = _scrub(leaked, ["hunter22"])
    assert "hunter22" not in str(scrubbed) and "hunter22" not in json.dumps(to_data(scrubbed))
    assert scrubbed.template == "connection to %(where)s failed: %(text)s" and korean(ko(scrubbed))
    spanning = msg("bucket %(bucket)s does not exist (NoSuchBucket)", bucket="abc")
    scrubbed = _scrub(spanning, ["abc does"])  # the secret crosses from the value into the template's words
    assert str(scrubbed) == "bucket ******** not exist (NoSuchBucket)" and "abc does" not in json.dumps(
        to_data(scrubbed)
    )
    listed = _scrub(MsgList([spanning, "x"]), ["abc does"])
    assert "abc does" not in str(listed) and "abc does" not in json.dumps(to_data(listed))


def test_helpers():
    m = msg_format("MySQL {version} is too old: W&B Server needs MySQL 5.7 or 8.0.28+", version="5.6.1", need=1)
    assert str(m) == "MySQL 5.6.1 is too old: W&B Server needs MySQL 5.7 or 8.0.28+" and m.params == {
        "version": "5.6.1"
    }
    assert korean(ko(m)) and "5.6.1" in ko(m)
    assert str(msg("%(n)d of %(total)s", n=2, total=3)) == "2 of 3"
    exc = ValueError(msg("not a Kubernetes quantity: %(text)s", text="pass"))
    assert message_of(exc) is exc.args[0]
    assert isinstance(msg("%(path)s: %(exc)s", path="x", exc=exc).params["exc"], Msg)  # an exception's message
    assert msg("a %(v)s", v=object).params["v"] == str(object)  # anything else as its text
    record = with_structure({"message": msg("input missing: %(missing)s", missing="host"), "hint": ""})
    assert with_messages(json.loads(json.dumps(record)))["message"].template == "input missing: %(missing)s"
    assert ko(msg("input missing: %(missing)s", missing="%(x)s")).endswith("%(x)s")  # values are not templates


def test_every_failure_of_a_dead_installation_reads_korean():
    """Run every step against services that are not there (closed loopback ports): each message and hint
    of a result that is not a pass shows in Korean, with its values."""
    port = closed_port()
    answers = f.answers(
        f.MINIMAL,
        profile="dead",
        host=f"https://127.0.0.1:{port}",
        hardware={
            "app": {
                "cpu_cores": 2,
                "memory_gib": 4,
                "disk_gb": 20,
                "arch": "aarch64",
                "nics": 1,
                "nic_gbps": 1,
                "disk_mbps": 100,
            },
            "database": {"cpu_cores": 2, "memory_gib": 4, "disk_gb": 20},
        },
        database={"host": "127.0.0.1", "port": port, "user": "wandb", "password": "x"},
        object_store={
            "endpoint": f"http://127.0.0.1:{port}",
            "bucket": "wandb-files",
            "access_key": "AK",
            "secret_key": "SK",
        },
        tls={"mode": "external"},
        deploy={"target": "kubernetes", "version": "latest", "kubeconfig": "apiVersion: v1\nkind: Config\n"},
    )
    report = run_checks_sync(answers, timeout=3)
    english = []
    for r in report.results:
        if r.status == "pass":
            continue
        for text in (r.message, r.hint):
            if text and not korean(ko(text)):
                english.append(f"{r.id}: {text!r}")
    assert not english, english


def test_form_errors_translate():
    with pytest.raises(AnswersError) as err:
        f.answers(
            f.MINIMAL,
            profile="p",
            database={"port": 70000, "name": "a-b", "tls": "x"},
            deploy={"cpu_request": "2 cores"},
        )
    for line in err.value.errors:
        assert isinstance(line, Msg), line
        assert korean(ko(line)) and ko(line).startswith(line.params["path"] + ": "), line


def test_korean_checks_panel_shows_translated_message(client):
    client.post_form("/profiles", {"name": "acme-ko"}, headers={"Accept-Language": "ko"}, follow_redirects=False)
    client.post_form(
        "/p/acme-ko/hardware", {"version": "1", "hardware.app.cpu_cores": "2", "language": "ko"}, follow_redirects=False
    )
    from tests.services.wizard import wait_until

    client.post("/p/acme-ko/checks/hardware", headers={"X-CSRF-Token": client.csrf})
    expected = ko(
        msg(
            "The %(role)s has %(shown)s; W&B needs at least %(need)s %(unit)s",
            role=msg("application node"),
            shown=msg("%(value)s %(unit)s", value="2", unit=msg("cores")),
            need="4",
            unit=msg("cores"),
        )
    )
    assert korean(expected) and "cores" not in expected, expected
    assert wait_until(lambda: shown(expected) in client.get("/p/acme-ko/checks/hardware").text)


def test_korean_form_error_on_the_step_page(client):
    client.post_form("/profiles", {"name": "acme-ko2"}, headers={"Accept-Language": "ko"}, follow_redirects=False)
    client.get("/lang/ko", follow_redirects=False)
    r = client.post_form("/p/acme-ko2/database", {"version": "1", "database.port": "70000"}, follow_redirects=False)
    assert r.status_code == 422
    error = re.search(r'class="field-error"[^>]*>(.*?)</small>', r.text, re.S).group(1)
    assert "database.port:" in error and "65535" in error and korean(error), error
    assert "must be at most" not in r.text


def test_no_module_imports_the_regex_reader():
    assert not (ROOT / "app" / "i18n" / "legacy.py").exists()
    assert not (ROOT / "app" / "i18n" / "strings.py").exists()  # no generated list: texts are declared


# -- values named like catalog words, in the Korean UI -------------------------------------------------

PROFILE = """schema: 1
profile: {name}
language: ko
database: {{host: warn, port: {port}, name: saved, user: wandb, password: not-a-secret}}
object_store: {{endpoint: "http://pass:9000", bucket: saved}}
"""


def _import(client, name: str) -> None:
    doc = PROFILE.format(name=name, port=closed_port()).encode()
    r = client.post_form(
        "/profiles/import", files={"file": ("a.yaml", doc, "application/yaml")}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def _finished(client, name: str, step: str, ids: set[str]) -> dict:
    from tests.services.wizard import wait_until

    client.post(f"/p/{name}/checks/{step}", headers={"X-CSRF-Token": client.csrf})
    store = client.app.state.store
    assert wait_until(lambda: ids <= set(store.latest_results(name)), timeout=30)
    return {k: v[0] for k, v in store.latest_results(name).items()}


def test_values_named_pass_warn_saved_stay_untranslated_in_the_korean_ui(client):
    """The issue's example: an endpoint http://pass:9000, a database host `warn` and a database/bucket named
    `saved` show as written in the Korean UI, while the sentences around them are Korean."""
    _import(client, "words")
    client.get("/lang/ko", follow_redirects=False)
    results = _finished(client, "words", "object_store", {"object_store.endpoint"})
    dns = results["object_store.endpoint"]
    assert isinstance(dns["message"], Msg) and dns["message"].params["host"] == "pass", dns
    panel = client.get("/p/words/checks/object_store").text
    message, hint = ko(dns["message"]), ko(dns["hint"])
    assert korean(message) and "pass" in message and KO("pass") not in message, message
    assert korean(hint) and "pass" in hint and KO("pass") not in hint, hint  # 조치: pass 의 DNS 레코드를 추가…
    assert shown(message) in panel and shown(hint) in panel

    results = _finished(client, "words", "database", {"database.connect"})
    connect = results["database.connect"]
    assert isinstance(connect["message"], Msg) and "warn" in str(connect["message"]), connect
    message = ko(connect["message"])
    assert korean(message) and "warn" in message and KO("warn") not in message, message
    assert shown(message) in client.get("/p/words/checks/database").text

    review = client.get("/p/words/review").text  # the topology: values as written, labels in Korean
    assert "http://pass:9000/saved" in review and re.search(r"warn:\d+/saved", review)
    assert KO("Planned deployment, coloured by check status") in review


def test_stored_results_reload_and_render_in_korean(client):
    """A result stored by the engine (English text + "i18n") reads in Korean after reloading from the store;
    a row stored before messages were structured (English only) shows its English."""
    from app.web import runs

    _import(client, "stored")
    store = client.app.state.store
    answers = store.get_answers("stored")
    run = store.start_run("stored", "database", runs.digest(store, answers, "database"), 2)
    new = Result(
        "database.charset",
        "database",
        "fail",
        "Character set",
        msg("database %(name)s does not exist (or %(user)s cannot see it)", name="saved", user="warn"),
        msg(
            "%(text)s: %(detail)s",
            text=msg("Create the database and grant the W&B user access"),
            detail="CREATE DATABASE saved;",
        ),
    )
    store.add_result(run, new.to_data())
    old = Result("database.grants", "database", "fail", "Privileges", "wandb@% lacks ALL PRIVILEGES on saved.*")
    store.add_result(run, old.to_dict())  # as stored before: no "i18n"
    store.finish_run(run)
    from sqlmodel import select

    from app.store.models import CheckResult

    with store.session() as s:  # the stored row: the English text, and the template and values beside it
        data = [
            json.loads(r.data)
            for r in s.exec(select(CheckResult).where(CheckResult.run_id == run).order_by(CheckResult.id))
        ]
    assert str(data[0]["message"]) == "database saved does not exist (or warn cannot see it)"
    assert data[0]["i18n"]["message"] == {
        "t": "database %(name)s does not exist (or %(user)s cannot see it)",
        "p": {"name": "saved", "user": "warn"},
    }
    assert data[0]["i18n"]["hint"]["p"]["text"]["t"] == "Create the database and grant the W&B user access"
    assert "i18n" not in data[1]
    latest = store.latest_results("stored")
    again = latest["database.charset"][0]
    assert again["message"] == new.message and isinstance(again["message"], Msg)
    assert str(latest["database.grants"][0]["message"]) == "wandb@% lacks ALL PRIVILEGES on saved.*"
    client.get("/lang/ko", follow_redirects=False)
    page = client.get("/p/stored/checks/database").text
    message = ko(new.message)
    assert korean(message) and "saved" in message and "warn" in message
    assert KO("saved") not in message and KO("warn") not in message
    assert shown(message) in page
    assert "wandb@% lacks ALL PRIVILEGES on saved.*" in page
