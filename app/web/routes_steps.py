"""One page per step: the form (generated from the answers model), saved on submit, and the
step's checks panel."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.answers import STEPS, AnswersError
from app.i18n.message import Msg, msg
from app.steps import CLI_ONLY
from app.store import Conflict
from app.web.deps import Csrf, StoreDep, load_profile, redirect, render
from app.web.forms import STEP_SECTIONS, apply_form, step_fields
from app.web.routes_checks import panel_context
from app.web.routes_profiles import require_step
from app.web.step_extras import extras_for
from app.web.stepper import stepper
from app.web.templating import STEPS_NAV

router = APIRouter()
PAGE_STEPS = tuple(s for s in STEPS if s not in CLI_ONLY)
MAX_FIELD = 262144  # the kubeconfig field's limit; other fields have smaller model limits


def _context(request, store, answers, row, step, *, errors=None, values=None, saved=False, conflict=None):
    latest, ignores = store.latest_results(answers.profile), store.ignores(answers.profile)  # once per page
    return {
        **panel_context(store, answers, step, latest=latest, ignores=ignores),
        "answers": answers,
        "profile": answers.profile,
        "version": row.version,
        "step": step,
        "sections": step_fields(step, answers),
        "errors": errors or {},
        "values": values or {},
        "saved": saved,
        "conflict": conflict,
        "stepper": stepper(store, answers, latest=latest, ignores=ignores),
        "next_step": _neighbour(step, +1),
        "prev_step": _neighbour(step, -1),
        **extras_for(request, store, answers, step),
    }


def _neighbour(step: str, offset: int) -> str | None:
    """The page before/after `step` in the stepper's order (the review sits between deploy and verify)."""
    i = STEPS_NAV.index(step) + offset
    return STEPS_NAV[i] if 0 <= i < len(STEPS_NAV) else None


@router.get("/p/{name}/{step}")
def step_page(request: Request, name: str, step: str, store: StoreDep, saved: bool = False):
    require_step(step, PAGE_STEPS)
    answers, row = load_profile(store, name)
    if row.last_step != step:
        store.set_last_step(name, step)
    return render(
        request, "step.html", _context(request, store, answers, row, step, saved=saved), headers={"Vary": "HX-Request"}
    )


@router.post("/p/{name}/{step}", dependencies=[Csrf])
async def save_step(request: Request, name: str, step: str, store: StoreDep):
    require_step(step, STEP_SECTIONS)
    form = await request.form()
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):  # certificate / key / kubeconfig file uploads fill their field
            data = await value.read(MAX_FIELD + 1)
            if data:
                values[key.removesuffix("__file")] = data.decode("utf-8", errors="replace")
        elif value != "" or key not in values:
            values[key] = value
    return await run_in_threadpool(_save, request, store, name, step, values)  # the store, off the event loop


def _save(request: Request, store, name: str, step: str, values: dict[str, str]):
    answers, row = load_profile(store, name)
    too_long = [k for k, v in values.items() if len(v) > MAX_FIELD]
    if too_long:
        errors: dict[str, object] = {k: msg("at most %(most)s characters", most=MAX_FIELD) for k in too_long}
        return render(
            request, "step.html", _context(request, store, answers, row, step, errors=errors, values=values), 422
        )
    try:
        expected = int(values.get("version", row.version))
    except ValueError:
        expected = -1
    try:
        updated = apply_form(step, answers, values)
    except AnswersError as exc:
        errors = dict(_field_error(line) for line in exc.errors)
        return render(
            request, "step.html", _context(request, store, answers, row, step, errors=errors, values=values), 422
        )
    try:
        store.save_answers(updated, expected_version=expected, last_step=step)
    except Conflict as exc:
        return render(
            request, "step.html", _context(request, store, answers, row, step, values=values, conflict=exc.args[0]), 409
        )
    return redirect(request, f"/p/{name}/{step}?saved=1")


def _field_error(line) -> tuple[str, object]:
    """(field path, problem) of one "path: problem" error (a message keeps its problem as a message)."""
    if isinstance(line, Msg) and {"path", "problem"} <= set(line.params):
        return str(line.params["path"]), line.params["problem"]
    path, sep, problem = line.partition(": ")
    return (path, problem) if sep else ("", line)
