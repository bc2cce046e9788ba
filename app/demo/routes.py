"""The demo control panel (`wbsetup demo` only): the simulated infrastructure and its fault toggles.
Added to the wizard by app.demo.mount()."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from app.demo import PROFILE
from app.demo.faults import BY_ID, FAULTS
from app.i18n.message import N_, msg
from app.web.deps import Csrf, redirect, render

router = APIRouter()


def _demo(request: Request):
    demo = getattr(request.app.state, "demo", None)
    if demo is None:  # mount() attaches it with the router
        raise HTTPException(404, N_("no demo is running"))
    return demo


def _context(request: Request, changed: str | None = None) -> dict:
    demo = _demo(request)
    return {
        "faults": FAULTS,
        "active": demo.active,
        "sim": demo,
        "demo_profile": PROFILE,
        "changed": BY_ID.get(changed) if changed else None,
        "timeout": demo.timeout,
    }


@router.get("/demo")
def panel(request: Request, changed: str | None = None):
    return render(request, "demo.html", _context(request, changed), headers={"Vary": "HX-Request"})


@router.post("/demo/faults/{fault_id}", dependencies=[Csrf])
def toggle(request: Request, fault_id: str, on: bool = Form(...)):
    """Turn one fault on or off, then show the panel saying which check to re-run."""
    demo = _demo(request)
    if fault_id not in BY_ID:
        raise HTTPException(404, msg("unknown fault %(fault_id)s", fault_id=repr(fault_id)))
    demo.set_fault(fault_id, on)
    return redirect(request, f"/demo?changed={fault_id}")


@router.post("/demo/reset", dependencies=[Csrf])
def reset(request: Request):
    """Every fault off: back to the all-green demo."""
    demo = _demo(request)
    for fault in FAULTS:
        if demo.active[fault.id]:
            demo.set_fault(fault.id, False)
    return redirect(request, "/demo")


@router.get("/demo/answers.yaml")
def answers_file(request: Request):
    """The demo profile as an answers file, secrets as {env: …} references (app/demo/headless.py)."""
    from app.demo import headless

    text = headless.answers_yaml(headless.current_answers(_demo(request)))
    return _download(text, headless.ANSWERS_NAME, headless.ANSWERS_TYPE)


@router.get("/demo/demo.env")
def env_file(request: Request):
    """The values of those references in this demo run (throw-away demo secrets)."""
    from app.demo import headless

    text = headless.env_file(headless.current_answers(_demo(request)))
    return _download(text, headless.ENV_NAME, headless.ENV_TYPE)


def _download(text: str, name: str, media_type: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(text, media_type=media_type, headers=headers)
