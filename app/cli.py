"""The `wbsetup` command line (§3): thin — parse, call the library, print, exit code."""

from __future__ import annotations

import sys

REQUIRED_PYTHON = (3, 11)
if sys.version_info < REQUIRED_PYTHON:  # before anything that needs a newer Python: one line, exit 2
    sys.stderr.write(
        "wbsetup: needs Python %d.%d or newer; this is Python %d.%d (%s)\n"  # noqa: UP031 (read by old Pythons)
        % (REQUIRED_PYTHON[0], REQUIRED_PYTHON[1], sys.version_info[0], sys.version_info[1], sys.executable)
    )
    raise SystemExit(2)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402

from app.steps import STEPS  # noqa: E402  # the answers model (pydantic) is imported by the commands that read answers

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 (argparse's default too), with help hint
        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if bad:
            from app.suggest import suggest

            close = suggest(bad.group(1), re.findall(r"'([^']*)'", bad.group(2)))
            message += f"; did you mean `{close}`?" if close else ""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _die(lines: list[str] | str) -> int:
    for line in [lines] if isinstance(lines, str) else lines:
        print(f"wbsetup: {line}", file=sys.stderr)
    return EXIT_USAGE


class _Version(argparse.Action):
    """`--version`: the installed distribution's version, looked up only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from app.version import version

        print(f"wbsetup {version()}")
        parser.exit(EXIT_OK)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="wbsetup", description="Installation wizard for self-hosted W&B Server")
    p.add_argument("--version", action=_Version, help="print the version and exit")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("serve", help="run the web wizard")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)

    v = sub.add_parser("validate", help="run the live checks of an answers file")
    v.add_argument("answers")
    v.add_argument("--step", action="append", choices=STEPS, dest="steps")
    v.add_argument("--format", choices=("text", "json", "junit"), default="text")
    v.add_argument("--ignore", action="append", default=[], metavar="ID")
    v.add_argument("--strict", action="store_true")
    v.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS")
    v.add_argument("--node-report", action="append", default=[], metavar="FILE", dest="node_reports")

    vf = sub.add_parser("verify", help="after installing: check the running W&B (validate --step verify)")
    vf.add_argument("answers")
    vf.add_argument("--format", choices=("text", "json", "junit"), default="text")
    vf.add_argument("--ignore", action="append", default=[], metavar="ID")
    vf.add_argument("--strict", action="store_true")
    vf.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS")
    vf.set_defaults(steps=["verify"], node_reports=[])

    r = sub.add_parser("render", help="write the deployment bundle")
    r.add_argument("answers")
    r.add_argument("--out", required=True, metavar="DIR")
    r.add_argument("--redact", action="store_true")
    r.add_argument("--archive", choices=("zip", "tar.gz"))

    sub.add_parser("schema", help="print the answers JSON Schema")

    i = sub.add_parser("import", help="store an answers file as its profile")
    i.add_argument("answers")
    e = sub.add_parser("export", help="print a stored profile as YAML")
    e.add_argument("profile")
    e.add_argument("--include-secrets", action="store_true")

    pr = sub.add_parser("probe", help="measure this host (or, with --node, what a node needs)")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("--node", metavar="ANSWERS")
    pr.add_argument("--role", choices=("app", "client"), default="app")
    pr.add_argument("--name")

    d = sub.add_parser("demo", help="serve the wizard against simulated infrastructure")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8080)
    d.add_argument(
        "--print-answers",
        action="store_true",
        help="also write the demo's answers file and its environment file, and print how to use them",
    )

    sub.add_parser("rotate-key", help="re-encrypt stored secrets with a new key")

    sb = sub.add_parser("support-bundle", help="collect, analyse and redact what support needs into one archive")
    sb.add_argument("answers")
    sb.add_argument("--out", default=".", metavar="DIR")
    sb.add_argument("--since", metavar="DURATION")
    sb.add_argument("--node-report", action="append", default=[], metavar="FILE", dest="node_reports")
    sb.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS")

    h = sub.add_parser("history", help="the stored revisions of a profile, oldest first")
    h.add_argument("profile")
    h.add_argument("--format", choices=("text", "json"), default="text")

    df = sub.add_parser("diff", help="what changes in the bundle between two versions of an installation")
    df.add_argument("old", help="answers file, bundle directory, .zip/.tar.gz archive, or PROFILE[@REV]")
    df.add_argument("new")
    df.add_argument("--format", choices=("text", "json"), default="text")

    dr = sub.add_parser("drift", help="compare what runs in the cluster with what the bundle would apply")
    dr.add_argument("answers")
    dr.add_argument("--format", choices=("text", "json"), default="text")
    dr.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS")
    return p


# End the process as soon as the output is written (app/process_exit.py): `validate`/`verify` do not wait for
# a blocking driver's worker thread; `history`/`diff` skip the interpreter's teardown of SQLAlchemy, SQLModel
# and pydantic (0.15–0.3 s, a fifth of the command), their state store closed first.
EXIT_WHEN_DONE = ("validate", "verify", "history", "diff")
_opened_stores: list = []


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = _dispatch(args)
    finally:
        opened, _opened_stores[:] = list(_opened_stores), []  # a library caller's stores are its own to drop
    if argv is None and args.command in EXIT_WHEN_DONE:  # the process entry point, not a library call
        from app.process_exit import exit_now

        for store in opened:
            store.engine.dispose()  # the database's connections closed, as at a normal exit
        exit_now(code)
    return code


def _dispatch(args) -> int:
    handler = COMMANDS[args.command]
    try:
        return handler(args) or EXIT_OK
    except Exception as exc:
        # Answers and secret errors: their modules are loaded by then when they can have been raised.
        answers, secret = sys.modules.get("app.answers"), sys.modules.get("app.secret")
        if answers is not None and isinstance(exc, answers.AnswersError):
            return _die(exc.errors)
        if secret is not None and isinstance(exc, secret.UnresolvedSecret):
            return _die(str(exc))
        # A wrong or malformed secret key: a message, not a traceback. Looked up lazily: importing
        # app.store pulls SQLAlchemy and Alembic (~0.8 s), which `validate`/`render`/`schema` never need.
        crypto = sys.modules.get("app.store.crypto")
        if crypto is not None and isinstance(exc, crypto.KeyError_):
            return _die(str(exc))
        base = sys.modules.get("app.store.base")  # the data directory or the state URL is unusable
        if base is not None and isinstance(exc, base.StoreUnavailable):
            return _die(str(exc))
        raise
    except KeyboardInterrupt:
        return 130


def _load_resolved(path: str, steps=None):
    """The answers with the {env: …} references of `steps` resolved (all unset ones reported at once)."""
    from app import answers as answers_mod
    from app.checks.engine import step_secrets

    answers = answers_mod.load(path)
    return answers.resolved(os.environ, required=step_secrets(steps))


def cmd_validate(args) -> int:
    from app.checks import report as fmt
    from app.checks.engine import run_checks_sync

    if args.timeout <= 0 or args.timeout > 600:
        return _die("--timeout: a number of seconds between 0 and 600")
    if args.ignore:  # a misspelt id would ignore nothing
        from app.checks.engine import checks_for
        from app.suggest import unknown_ids

        if bad := unknown_ids(args.ignore, [c.id for c in checks_for(STEPS)], "check id"):
            return _die(bad)
    answers = _load_resolved(args.answers, args.steps)
    node_reports = []
    if args.node_reports:
        from app.probe.reports import load_reports

        node_reports = load_reports(args.node_reports, answers.profile)
    report = run_checks_sync(
        answers, steps=args.steps, timeout=args.timeout, ignore=args.ignore, node_reports=node_reports
    )
    sys.stdout.write(fmt.FORMATS[args.format](report))
    return report.exit_code(strict=args.strict)


def cmd_verify(args) -> int:
    """`wbsetup verify` is `wbsetup validate --step verify` (SPEC §3): same reports and exit codes."""
    return cmd_validate(args)


def cmd_schema(args) -> int:
    from app import answers as answers_mod

    print(json.dumps(answers_mod.json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_render(args) -> int:
    from app import answers as answers_mod
    from app.artifacts.bundle import write_bundle

    answers = answers_mod.load(args.answers)
    if not args.redact:
        answers = answers.resolved(os.environ)
    from app.artifacts.written import summary

    path = write_bundle(answers, args.out, redact=args.redact, archive=args.archive)
    sys.stdout.write(summary(path, target=answers.deploy.target, redact=args.redact))
    return EXIT_OK


def _store():
    from app.settings import Settings
    from app.store import Store

    store = Store.open(Settings.from_env())
    _opened_stores.append(store)
    return store


def cmd_import(args) -> int:
    from app import answers as answers_mod

    answers = answers_mod.load(args.answers)
    _store().save_answers(answers, replace=True, source="import")
    print(f"stored profile {answers.profile}")
    return EXIT_OK


def cmd_export(args) -> int:
    from app.artifacts.serialize import dump_yaml

    store = _store()
    answers = store.get_answers(args.profile)
    if answers is None:
        from app.suggest import unknown_profile

        return _die(unknown_profile(args.profile, store))
    sys.stdout.write(dump_yaml(answers.to_document(secrets="plain" if args.include_secrets else "refs")))
    return EXIT_OK


def cmd_serve(args) -> int:
    from app.web.server import serve

    return serve(args.host, args.port)


# The `demo` extra (pyproject.toml): the simulated MySQL 8.4, and S3 behind moto's Flask server.
DEMO_MODULES = ("mysql_mimic", "moto", "flask", "flask_cors")


def cmd_demo(args) -> int:
    from importlib.util import find_spec

    missing = [name for name in DEMO_MODULES if find_spec(name) is None]
    if missing:
        return _die(
            f"demo mode needs the demo extra (missing: {', '.join(missing)}); install it with: "
            "pip install 'wbsetup[demo]'"
        )
    from app.demo import run_demo

    return run_demo(args.host, args.port, print_answers=args.print_answers)


def cmd_probe(args) -> int:
    from app import answers as answers_mod

    if args.node:
        answers = answers_mod.load(args.node)
        from app.probe.reports import node_report

        print(
            json.dumps(
                node_report(answers.resolved(os.environ, strict=False), role=args.role, name=args.name), indent=2
            )
        )
        return EXIT_OK
    from app.probe import host as probe

    facts = probe.measure()
    print(json.dumps(facts, indent=2) if args.json else probe.describe(facts))
    return EXIT_OK


def cmd_rotate_key(args) -> int:
    from app.store.rotate_cli import command

    return command(args)


def cmd_support_bundle(args) -> int:
    from app.support.run import command

    return command(args)


def cmd_history(args) -> int:
    from app.change.history import command

    return command(args, _store())


def cmd_diff(args) -> int:
    from app.change.diff_cli import command

    return command(args, _store)


def cmd_drift(args) -> int:
    from app.change.drift_cli import command

    return command(args)


COMMANDS = {
    "validate": cmd_validate,
    "schema": cmd_schema,
    "render": cmd_render,
    "import": cmd_import,
    "export": cmd_export,
    "serve": cmd_serve,
    "demo": cmd_demo,
    "probe": cmd_probe,
    "rotate-key": cmd_rotate_key,
    "verify": cmd_verify,
    "support-bundle": cmd_support_bundle,
    "history": cmd_history,
    "diff": cmd_diff,
    "drift": cmd_drift,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
