"""Every message with parameters reads fully in Korean, its parameters' own words included (#31 item 11):
a value of a message is never translated, so a word passed as a plain string ("unencrypted" inside
database.connect's sentence) stays English in the Korean UI. Such words must be messages themselves."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from app import i18n
from app.i18n.message import msg, nmsg, to_data

ROOT = Path(__file__).resolve().parent.parent
KO = i18n.translations("ko").gettext
WORD = re.compile(r"\b[a-z]{3,}\b")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Values that are code, paths, commands or protocol names: the same in every language.
TECHNICAL = {
    "(document)",
    " --context ",
    "http",
    "https",
    "https://",
    "wandb",
    "deploy.",
    "facts.",
    "kubeconfig",
    "tls.ca_pem",
    "tls.cert_pem",
    "tls.key_pem",
    "get",
    "/healthz",
    "curl -sv ",
    " MiB POST /graphql",
    "GET /healthz",
    "GET /ready",
    "GraphQL viewer",
    "weightsandbiases.apps.wandb.com",
    "helm repo add wandb https://charts.wandb.ai && helm upgrade --install operator wandb/operator "
    "-n wandb-cr --create-namespace",
}


def _literals(node, assigns, depth=0):
    """The string constants an expression can evaluate to (through if/or/+, f-string text and local names)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body, assigns, depth)
        yield from _literals(node.orelse, assigns, depth)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value, assigns, depth)
    elif isinstance(node, ast.JoinedStr):
        yield from (v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literals(node.left, assigns, depth)
        yield from _literals(node.right, assigns, depth)
    elif isinstance(node, ast.Name) and depth < 2:
        for value in assigns.get(node.id, []):
            yield from _literals(value, assigns, depth + 1)


def msg_calls():
    """(where, call) of every msg(...) in app/, with the assignments of its enclosing scope."""
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                continue
            assigns: dict[str, list] = {}
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigns.setdefault(target.id, []).append(node.value)
            for call in ast.walk(scope):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "msg":
                    yield f"{path.relative_to(ROOT)}:{call.lineno}", call, assigns


def test_no_parameter_is_an_english_word():
    english = set()
    for where, call, assigns in msg_calls():
        for kw in call.keywords:
            if kw.arg == "code":
                continue
            for text in _literals(kw.value, assigns):
                if WORD.search(text) and text not in TECHNICAL and not text.startswith("/"):  # a URL path
                    english.add(f"{where}: {kw.arg}={text!r}")
    assert sorted(english) == []


def test_the_words_given_as_messages_read_korean():
    fixed = {
        call.args[0].value
        for _, call, _ in msg_calls()
        if call.args
        and isinstance(call.args[0], ast.Constant)
        and not call.keywords
        and WORD.search(call.args[0].value)
    }
    untranslated = sorted(t for t in fixed if not HANGUL.search(KO(t)))
    assert untranslated == []


def test_database_connect_reads_korean():
    ko = i18n.message_translator("ko")
    line = msg(
        "connected to %(host)s:%(port)s as %(user)s (%(tls)s); server %(version)s",
        host="127.0.0.1",
        port=3306,
        user="wandb_local",
        tls=msg("unencrypted"),
        version="8.4.3",
    )
    assert "unencrypted" not in ko(line) and "암호화" in ko(line)


def test_a_count_message_takes_the_plural_form_of_each_language():
    """nmsg: English picks singular or plural by n; Korean (one form) its only form; stored and read
    back, it keeps both templates and the count."""
    from app.i18n.message import from_data, nmsg, to_data

    one = nmsg("%(n)s node resolves %(name)s", "%(n)s nodes resolve %(name)s", 1, name="db")
    many = nmsg("%(n)s node resolves %(name)s", "%(n)s nodes resolve %(name)s", 3, name="db")
    assert (str(one), str(many)) == ("1 node resolves db", "3 nodes resolve db")
    ko = i18n.message_translator("ko")
    assert ko(many) == "%(name)s 을(를) 조회할 수 있는 노드: 3대" % {"name": "db"} and ko(one).endswith("1대")
    assert i18n.message_translator("en")(one) == "1 node resolves db"
    back = from_data(to_data(many))
    assert (back.plural, back.n, str(back)) == (many.plural, 3, "3 nodes resolve db")


def test_a_message_is_not_a_string():
    """Msg is its template and values: equal when those are, never equal to its English text, hashable,
    and only str() (or a report) turns it into text; a template with fields needs its values."""
    import pickle

    from app.i18n.message import Msg, MsgList, english, msg

    a = msg("bucket %(bucket)s does not exist", bucket="wandb")
    assert not isinstance(a, str) and str(a) == "bucket wandb does not exist"
    assert a != "bucket wandb does not exist"  # == compares structure, not English text
    assert (
        a
        == msg("bucket %(bucket)s does not exist", bucket="wandb")
        != msg("bucket %(bucket)s does not exist", bucket="x")
    )
    assert len({a, msg("bucket %(bucket)s does not exist", bucket="wandb")}) == 1
    assert pickle.loads(pickle.dumps(a)) == a
    listed = MsgList([a, "plain"])
    assert str(listed) == "bucket wandb does not exist; plain" and not isinstance(listed, str)
    assert english({"k": [a, (listed,)]}) == {
        "k": ["bucket wandb does not exist", ("bucket wandb does not exist; plain",)]
    }
    with pytest.raises(KeyError):
        msg("bucket %(bucket)s does not exist")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.template = "changed"  # type: ignore[misc]
    assert not Msg("") and Msg("x")


def test_a_message_keeps_only_the_values_its_templates_name():
    about = {"pod": "wandb-1", "container": "app", "image": "wandb/local:0.70.0", "why": "OOMKilled"}
    m = msg("pod %(pod)s: %(why)s", **about)
    assert dict(m.params) == {"pod": "wandb-1", "why": "OOMKilled"}
    assert m == msg("pod %(pod)s: %(why)s", pod="wandb-1", why="OOMKilled") and str(m) == "pod wandb-1: OOMKilled"
    assert to_data(m)["p"] == {"pod": "wandb-1", "why": "OOMKilled"}  # what is stored: no unshown value
    counted = nmsg("one node", "%(n)s nodes on %(host)s", 3, host="db", extra="x")
    assert dict(counted.params) == {"n": 3, "host": "db"} and str(counted) == "3 nodes on db"
