"""One page per step: the form (generated from the answers model), saved on submit, and the
step's checks panel."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.answers import STEPS, AnswersError
from app.store import Conflict
from app.checks import runs
from app.web.deps import Csrf, StoreDep, load_profile, redirect, render
from app.web.forms import STEP_SECTIONS, apply_form, step_fields
from app.web.routes_profiles import require_step
from app.web.stepper import stepper, unresolved
from app.web.step_extras import extras_for

router = APIRouter()
MAX_FIELD = 262144  # the kubeconfig field's limit; other fields have smaller model limits


def _context(request, store, answers, row, step, *, errors=None, values=None, saved=False, conflict=None):
    latest, ignores = store.latest_results(answers.profile), store.ignores(answers.profile)  # once per page
    rows, progress = runs.rows(store, answers, step, latest=latest, ignores=ignores)
    return {
        "answers": answers, "profile": answers.profile, "version": row.version, "step": step,
        "sections": step_fields(step, answers), "errors": errors or {}, "values": values or {},
        "saved": saved, "conflict": conflict, "rows": rows, "progress": progress, "run_id": None,
        "stepper": stepper(store, answers, latest=latest, ignores=ignores), "unresolved": unresolved(rows),
        "next_step": (list(STEPS) + ["review"])[list(STEPS).index(step) + 1],
        "prev_step": list(STEPS)[list(STEPS).index(step) - 1] if step != STEPS[0] else None,
        **extras_for(request, store, answers, step),
    }


@router.get("/p/{name}/{step}")
def step_page(request: Request, name: str, step: str, store: StoreDep, saved: bool = False):
    require_step(step, STEPS)
    answers, row = load_profile(store, name)
    if row.last_step != step:
        store.set_last_step(name, step)
    return render(request, "step.html", _context(request, store, answers, row, step, saved=saved),
                  headers={"Vary": "HX-Request"})


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
        errors = {k: f"at most {MAX_FIELD} characters" for k in too_long}
        return render(request, "step.html", _context(request, store, answers, row, step, errors=errors,
                                                     values=values), 422)
    try:
        expected = int(values.get("version", row.version))
    except ValueError:
        expected = -1
    try:
        updated = apply_form(step, answers, values)
    except AnswersError as exc:
        errors = dict(line.split(": ", 1) if ": " in line else ("", line) for line in exc.errors)
        return render(request, "step.html", _context(request, store, answers, row, step, errors=errors,
                                                     values=values), 422)
    try:
        store.save_answers(updated, expected_version=expected, last_step=step)
    except Conflict as exc:
        return render(request, "step.html", _context(request, store, answers, row, step, values=values,
                                                     conflict=str(exc)), 409)
    return redirect(request, f"/p/{name}/{step}?saved=1")
