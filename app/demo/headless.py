"""The demo's answers for the CLI and GitOps path (#31 item 12): the demo profile as an answers file whose
secrets are `{env: …}` references (what a GitOps repository holds), and the environment file with the
values the running demo uses. `. ./demo.env` (or `set -a; . ./demo.env; set +a`) then
`wbsetup validate demo-answers.yaml` runs the same checks headless against the running demo."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from app.answers import SECRET_PLACEHOLDERS, Answers
from app.artifacts.serialize import dump_yaml
from app.secret import reveal

ANSWERS_NAME, ENV_NAME = "demo-answers.yaml", "demo.env"
ANSWERS_TYPE, ENV_TYPE = "application/yaml; charset=utf-8", "text/plain; charset=utf-8"


def current_answers(demo) -> Answers:
    """The demo profile as the wizard holds it (edits included), else the demo's own answers."""
    if demo.store is not None:
        from app.store import NotFound

        try:
            return demo.store.get_profile(demo_profile())[0]
        except NotFound:
            pass
    return demo.answers()


def demo_profile() -> str:
    from app.demo.profile import PROFILE

    return PROFILE


def answers_yaml(answers: Answers) -> str:
    header = (
        f"# The wbsetup demo profile: its secrets are environment variables, set by {ENV_NAME}.\n"
        f"# Valid while this demo runs (its ports change at each start):\n"
        f"#   set -a; . ./{ENV_NAME}; set +a\n"
        f"#   wbsetup validate {ANSWERS_NAME}\n"
    )
    return header + dump_yaml(answers.to_document(secrets="refs"))


def env_file(answers: Answers) -> str:
    """`NAME='value'` lines (POSIX sh quoting; a PEM or kubeconfig spans lines inside its quotes)."""
    lines = ["# The wbsetup demo's secrets (throw-away values of this demo run). Source it: . ./demo.env"]
    for path, value in answers.secrets():
        if value is not None:
            lines.append(f"export {SECRET_PLACEHOLDERS[path]}={shlex.quote(reveal(value) or '')}")
    return "\n".join(lines) + "\n"


def write(answers: Answers, directory: Path) -> tuple[Path, Path]:
    """Write both files into `directory` (the env file readable by its owner only); their paths."""
    answers_path, env_path = directory / ANSWERS_NAME, directory / ENV_NAME
    answers_path.write_text(answers_yaml(answers), encoding="utf-8")
    fd = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(env_file(answers))
    return answers_path, env_path
