"""`wbsetup drift ANSWERS [--format text|json] [--timeout SECONDS]` (SPEC §3, §10): exit 0 in sync; 1 drift,
missing objects or the cluster could not be read; 2 answers invalid or another target."""

from __future__ import annotations

import json
import os
import sys


def command(args) -> int:
    from app import answers as answers_mod
    from app.change.drift_run import TARGETS, run_drift, text
    from app.i18n.message import english
    from app.secret import reveal

    if args.timeout <= 0 or args.timeout > 600:
        print("wbsetup: --timeout: a number of seconds between 0 and 600", file=sys.stderr)
        return 2
    answers = answers_mod.load(args.answers).resolved(os.environ, strict=False)
    if answers.deploy.target not in TARGETS:
        print(f"wbsetup: drift needs target kubernetes or helm-operator (not {answers.deploy.target})", file=sys.stderr)
        return 2
    if not reveal(answers.deploy.kubeconfig):
        print("wbsetup: drift needs deploy.kubeconfig (the kubeconfig text, or {env: VARIABLE})", file=sys.stderr)
        return 2
    doc = run_drift(answers, args.timeout).doc
    sys.stdout.write(
        json.dumps(english(doc), ensure_ascii=False, indent=2) + "\n" if args.format == "json" else text(doc)
    )
    return 0 if doc["in_sync"] else 1
