"""Hints as a page speaks them (#31 item 5). A check's hint speaks of the CLI's flags (`--timeout`): the
report and the terminal are where they are read first. On a page, the same advice names what the page
offers instead — the timeout setting beside "Run checks". Applied when the page renders a hint (stored
results included); the reports keep the CLI's wording."""

from __future__ import annotations

from typing import Any

from app.i18n.message import N_, Msg, MsgList

# The CLI's hint template → the page's (both catalog msgids, declared where they are written).
PAGE_HINTS = {
    "Check that the service is reachable, or raise --timeout": N_(
        "Check that the service is reachable, or raise the timeout beside “Run checks”"
    ),
    "Allow TCP %(port)s to %(host)s from this machine (firewall, security group), or raise --timeout": N_(
        "Allow TCP %(port)s to %(host)s from this machine (firewall, security group), or raise the timeout "
        "beside “Run checks”"
    ),
    "Allow TCP %(port)s inbound to %(host)s from this machine (firewall), or raise --timeout": N_(
        "Allow TCP %(port)s inbound to %(host)s from this machine (firewall), or raise the timeout beside “Run checks”"
    ),
    "Something at %(host)s:%(port)s accepts TCP but does not answer HTTP: check the proxy or load balancer "
    "there (its upstream and its logs), or raise --timeout": N_(
        "Something at %(host)s:%(port)s accepts TCP but does not answer HTTP: check the proxy or load balancer "
        "there (its upstream and its logs), or raise the timeout beside “Run checks”"
    ),
    "Re-run with a longer timeout (--timeout 60); if it still stalls: %(fix)s": N_(
        "Re-run with a longer timeout (60 s beside “Run checks”); if it still stalls: %(fix)s"
    ),
}


def for_page(hint: Any) -> Any:
    """`hint` with every CLI wording replaced by the page's (nested messages and lists too)."""
    if isinstance(hint, Msg):
        params = {k: for_page(v) for k, v in hint.params.items()}
        return Msg(PAGE_HINTS.get(hint.template, hint.template), params, hint.plural, hint.n)
    if isinstance(hint, MsgList):
        return MsgList([for_page(i) for i in hint.items], hint.sep)
    if isinstance(hint, str) and hint in PAGE_HINTS:
        return Msg(PAGE_HINTS[hint])
    return hint
