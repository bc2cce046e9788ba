"""Browser-visible streaming lag: from the engine's last result to the page showing it.

The wizard runs in this process (uvicorn in a thread, a throw-away state store) with `wbsetup demo`'s
simulated infrastructure attached, so every check of the deploy step runs live. `runs.Feed.publish`
(called as the engine finishes each result) is wrapped to note the wall-clock time of every result.
Debian's Chromium (Playwright) presses "Run checks"; a MutationObserver notes, for every row of the
new panel, the wall-clock time of the first animation frame after it shows a result. The lag
of a run is `page time − engine time` of the engine's last result; the figure is the median (and max)
over RUNS runs, for the hardware step (all results within a few ms: the issue's 0.55 s case) and the
demo's deploy step (results spread over ~0.3 s: cluster, nodes, artifacts). Not run by the tests.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench import free_port, wait_http

RUNS = 7
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
TOKEN = "bench-stream-token-0123456789abcdef"

WATCH = """() => {
  window.__shown = {};
  document.querySelector('#checks').setAttribute('data-before-run', '1');  // the panel of the previous run
  const scan = () => document.querySelectorAll('#checks:not([data-before-run]) tr[data-check]').forEach(tr => {
    const id = tr.dataset.check, st = tr.dataset.status;
    if (st === 'pending') { return; }
    if (!(id in window.__shown)) {
      window.__shown[id] = -1;
      requestAnimationFrame(() => { window.__shown[id] = performance.timeOrigin + performance.now(); });
    }
  });
  new MutationObserver(scan).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                     attributeFilter: ['data-status']});
}"""
DONE = (
    "() => { const c = document.querySelector('#checks'); return c && !c.hasAttribute('sse-connect')"
    " && !c.hasAttribute('hx-get') && !c.querySelector('[data-status=pending]')"
    " && Object.values(window.__shown).every(v => v > 0) && Object.keys(window.__shown).length > 0; }"
)


def _serve(app, port: int):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True, name="bench-wizard")
    thread.start()
    return server, thread


def run() -> dict:
    from cryptography.fernet import Fernet
    from playwright.sync_api import sync_playwright

    from app.demo import PROFILE, Demo
    from app.main import create_app
    from app.settings import Settings
    from app.web import feeds as runs  # runs.Feed: the feed each result is published to

    published: dict[str, float] = {}
    original = runs.Feed.publish

    def publish(self, result):
        published[result["id"]] = time.time() * 1000
        original(self, result)

    runs.Feed.publish = publish
    out: dict = {"runs": RUNS}
    try:
        with tempfile.TemporaryDirectory(prefix="wbsetup-bench-stream-") as tmp, Demo(timeout=5.0) as demo:
            settings = Settings(
                state_url=f"sqlite:///{Path(tmp) / 'state.db'}",
                data_dir=Path(tmp),
                demo=True,
                secret_key=Fernet.generate_key().decode(),
                check_timeout=5.0,
            )
            app = create_app(settings, token=TOKEN)
            app.state.demo = demo
            demo.attach(app.state.store)
            port = free_port()
            server, thread = _serve(app, port)
            url = f"http://127.0.0.1:{port}"
            try:
                wait_http(f"{url}/healthz")
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(
                        executable_path=CHROMIUM,
                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
                    )
                    page = browser.new_page()
                    page.goto(f"{url}/login?token={TOKEN}&next=/p/{PROFILE}/hardware")
                    for step in ("hardware", "deploy"):
                        page.goto(f"{url}/p/{PROFILE}/{step}")
                        lags, spans = [], []
                        for _ in range(RUNS):
                            published.clear()
                            page.evaluate(WATCH)
                            with page.expect_response(lambda r: r.request.method == "POST" and "/checks/" in r.url):
                                page.click("[data-testid=run-checks]")
                            page.wait_for_function(DONE, timeout=30000)
                            shown = page.evaluate("window.__shown")
                            last = max(published, key=published.get)
                            if last not in shown:  # a folded row is not on the page: take the last shown one
                                last = max((i for i in published if i in shown), key=published.get)
                            lags.append(shown[last] - published[last])
                            spans.append(max(published.values()) - min(published.values()))
                        out[step] = {
                            "median_ms": round(statistics.median(lags), 1),
                            "max_ms": round(max(lags), 1),
                            "min_ms": round(min(lags), 1),
                            "engine_span_ms": round(statistics.median(spans), 1),
                        }
                    browser.close()
            finally:
                server.should_exit = True
                thread.join(timeout=10)
    finally:
        runs.Feed.publish = original
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
