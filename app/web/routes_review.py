"""The review page (answers summary, every check's latest result, artifact previews) and the bundle
download — the same bytes `wbsetup render` writes for the profile."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app import i18n
from app.answers import STEPS
from app.artifacts.bundle import archive_name, build_bundle, file_mode
from app.artifacts.manifest import targz_bytes, zip_bytes
from app.artifacts.serialize import dump_yaml
from app.checks.engine import Report, Result
from app.i18n.message import N_
from app.steps import CLI_ONLY
from app.web import routes_support, runs
from app.web.deps import StoreDep, load_profile, render
from app.web.stepper import stepper

router = APIRouter()
router.include_router(routes_support.router)  # the support bundle's download (Verify and review pages)


def latest_report(store, answers) -> dict | None:
    """The newest result of every check as a validation report (None when nothing has run)."""
    results = []
    latest, ignores = store.latest_results(answers.profile), store.ignores(answers.profile)
    for step in STEPS:
        rows, _ = runs.rows(store, answers, step, latest=latest, ignores=ignores)
        results += [Result.from_dict(r.result) for r in rows if r.result]
    if not results:
        return None
    return Report(answers.profile, answers.requirements, results).to_dict()


@router.get("/p/{name}/review")
def review(request: Request, name: str, store: StoreDep):
    answers, row = load_profile(store, name)
    if row.last_step != "review":
        store.set_last_step(name, "review")
    latest, ignores = store.latest_results(name), store.ignores(name)  # once, not once per step
    all_rows = {
        step: runs.rows(store, answers, step, latest=latest, ignores=ignores)[0]
        for step in STEPS
        if step not in CLI_ONLY
    }
    preview = _preview(request.app, answers, (row.id, row.version, row.updated_at))
    from app.web.topology import SHOWN_NODES, topology_svg

    fleet = store.node_fleet(name, limit=SHOWN_NODES)  # failing first; the rest only counted

    return render(
        request,
        "review.html",
        {
            "answers": answers,
            "profile": name,
            "step": "review",
            "stepper": stepper(store, answers, latest=latest, ignores=ignores),
            "summary": dump_yaml(answers.to_document(secrets="refs")),
            "all_rows": all_rows,
            "files": {p: c.decode("utf-8", errors="replace") for p, c in preview.items()},
            "topology": topology_svg(
                answers,
                all_rows,
                [r for _, r in fleet.reports],
                tr=i18n.message_translator(i18n.choose(request, answers.language)),
                fleet=fleet,
            ),
        },
    )


@router.get("/p/{name}/bundle.{kind}")
def download(request: Request, name: str, kind: str, store: StoreDep, secrets: bool = False, report: bool = True):
    if kind not in ("zip", "tar.gz"):
        raise HTTPException(404, N_("bundle formats: zip, tar.gz"))
    answers, _ = load_profile(store, name)
    redact = not secrets
    tree = build_bundle(
        runs.resolved(answers),
        redact=redact,
        report=latest_report(store, answers) if report else None,
        demo=request.app.state.settings.demo,
    )
    archiver = zip_bytes if kind == "zip" else targz_bytes
    data = archiver(tree, lambda p: file_mode(p, redact))
    media = "application/zip" if kind == "zip" else "application/gzip"
    filename = archive_name(name, redact=redact, kind=kind)  # the two downloads never share a name
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _preview(app, answers, version: tuple) -> dict[str, bytes]:
    """The redacted bundle preview, built once per saved version of a profile (it is the costliest
    part of the review page and only changes when the answers do)."""
    cache = app.state.__dict__.setdefault("preview_cache", {})
    key = (answers.profile, version)  # id + version + updated_at: a re-created profile never hits
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        cache[key] = build_bundle(runs.resolved(answers), redact=True, demo=app.state.settings.demo)
    return cache[key]
