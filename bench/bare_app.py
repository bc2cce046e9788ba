"""The comparison point for page speed: a bare Starlette endpoint rendering a Jinja template shaped
like a step page (navigation, a form of ~30 fields in sections, a table of check results), served by
the same uvicorn. `python -m bench.bare_app PORT`."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
SECTIONS = [
    {
        "title": f"Section {s}",
        "fields": [
            {
                "name": f"section{s}.field{i}",
                "title": f"Field {i}",
                "kind": "text",
                "value": f"value <{s}.{i}>",
                "help": "What this field means, and the value W&B expects for it in production.",
            }
            for i in range(8)
        ],
    }
    for s in range(4)
]
ROWS = [
    {
        "title": f"Check {i}",
        "status": "pass",
        "message": f"observed value {i} & more",
        "hint": "The exact command to run when it fails",
    }
    for i in range(10)
]


async def page(request):
    return templates.TemplateResponse(
        request,
        "bare.html",
        {
            "title": "Database",
            "profile": "bench",
            "step": "database",
            "csrf": "0" * 32,
            "steps": ["hardware", "database", "object_store", "tls", "deploy", "review"],
            "sections": SECTIONS,
            "rows": ROWS,
        },
    )


async def healthz(request):
    from starlette.responses import JSONResponse

    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/", page), Route("/healthz", healthz)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
