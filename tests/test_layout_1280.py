"""The demo's pages at 1280 × 800 in Debian's Chromium, in English and Korean (#31 item 9): the stepper on
one line, check ids wrapping only at their dots and underscores, the requirements select showing its
whole choice, and the deploy and review pages leading with their verdict (details collapsed, the
node-report table paged). Screenshots and page heights go to test-results/screenshots/layout-*."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.demo import PROFILE
from tests.services.wizard import TOKEN

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"
WIDTH, HEIGHT = 1280, 800
# The verdict in the first screen, the rest a click away. Before the grouping (#31 item 9) the demo's deploy
# page was 5,270 px and its review 7,982 px (English); grouped, about 3,570 and 2,800 (more when a failing
# step's results open). With replicas and resources folded too (about 3,410 / 3,340 in en / ko), the deploy
# page's length is its 17 check rows and the node reports, no longer its form.
MAX_DEPLOY_HEIGHT = 4.5 * HEIGHT
MAX_REVIEW_HEIGHT = 4 * HEIGHT


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": HEIGHT}}


def shot(page, name: str) -> int:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"layout-{name}.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollHeight")


def run_checks(page) -> None:
    page.evaluate("document.querySelector('#checks').setAttribute('data-before-run', '1')")
    with page.expect_response(lambda r: r.request.method == "POST" and "/checks/" in r.url):
        page.click("[data-testid=run-checks]")
    page.wait_for_function(
        "() => { const c = document.querySelector('#checks');"
        " return c && !c.hasAttribute('data-before-run') && !c.hasAttribute('hx-get')"
        " && !c.hasAttribute('sse-connect') && !c.querySelector('[data-status=pending]'); }",
        timeout=30000,
    )


# Text nodes of check ids (the pieces between <wbr>s) that the browser laid out on more than one line:
# a break inside a piece is a break mid-word.
MID_WORD_BREAKS = """() => {
  const broken = [];
  const words = /[A-Za-z0-9_.\\-]+/g;  // Latin words and identifiers (Hangul wraps between syllables, as Korean does)
  for (const el of document.querySelectorAll('code.check-id, .checks td:nth-child(2) strong')) {
    if (!el.offsetParent) continue;  // folded away
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (const m of node.textContent.matchAll(words)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(el.textContent + ' at ' + m[0]);
      }
    }
  }
  return broken;
}"""


# The requirements choice reads whole: a select's chosen text fits its box, or each radio label fits its line.
CHOICE_SHOWN = """() => {
  const s = document.querySelector('select[name=requirements]');
  if (s) {
    const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;
    return c.measureText(s.options[s.selectedIndex].text).width <= s.clientWidth;
  }
  const labels = [...document.querySelectorAll('input[name=requirements]')].map(i => i.closest('label'));
  return labels.length > 0 && labels.every(l => l.scrollWidth <= l.clientWidth + 1);
}"""

# The form stays in its column: no fieldset or field reaches under the checks beside it (a fieldset's
# default min-width is its widest unbreakable content: a long hint or value would push it across).
FORM_OVERFLOWS = """() => {
  const form = document.querySelector('.step-grid > form.step-form');
  if (!form) return [];
  const right = form.getBoundingClientRect().right + 1;
  return [...form.querySelectorAll('fieldset, input, select, textarea, small')]
    .filter(e => e.offsetParent && e.getBoundingClientRect().right > right)
    .map(e => e.name || e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40));
}"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_layout_at_1280(demo_server, page, lang):
    url, _ = demo_server
    page.goto(f"{url}/login?token={TOKEN}&next=/p/{PROFILE}/hardware")
    page.goto(f"{url}/lang/{lang}?next=/p/{PROFILE}/hardware")
    heights, problems = {}, []
    for step in ("hardware", "database", "object_store", "tls", "deploy"):
        page.goto(f"{url}/p/{PROFILE}/{step}")
        run_checks(page)
        heights[step] = shot(page, f"{lang}-{step}")
        tops = page.eval_on_selector_all(
            "#stepper li", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
        )
        steps = page.locator("#stepper li:not(.history-link)").count()
        if steps != 7 or len(tops) != 8 or len(set(tops)) != 1:  # seven steps and the History link, one line
            problems.append((step, "the stepper wraps", tops))
        if broken := page.evaluate(MID_WORD_BREAKS):
            problems.append((step, "check ids break mid-word", broken[:3]))
        if wide := page.evaluate(FORM_OVERFLOWS):
            problems.append((step, "the form reaches under the checks", wide[:5]))
        if step == "hardware":  # the requirements choice is readable whole
            fits = page.evaluate(CHOICE_SHOWN)
            if not fits:
                problems.append((step, "the requirements select cuts its choice off"))
    page.goto(f"{url}/p/{PROFILE}/review")
    heights["review"] = shot(page, f"{lang}-review")
    if broken := page.evaluate(MID_WORD_BREAKS):
        problems.append(("review", "check ids break mid-word", broken[:3]))
    (SHOTS / f"layout-heights-{lang}.json").write_text(json.dumps(heights, indent=2))
    assert problems == []

    # Review: the verdict (one line per step) comes first, the long lists are folded sections.
    first = page.locator("main > *").nth(1)
    assert first.get_attribute("data-testid") == "verdict", "the review starts with its verdict"
    assert page.locator("[data-testid=verdict] [data-step]").count() == 6
    assert heights["review"] <= MAX_REVIEW_HEIGHT, heights
    # Deploy: the checks panel first; the optional form sections and the node-report how-to are folded.
    page.goto(f"{url}/p/{PROFILE}/deploy")
    assert heights["deploy"] <= MAX_DEPLOY_HEIGHT, heights
    assert page.locator("details.fold").count() >= 3
    assert page.locator("details.fold[open]").count() == 0
