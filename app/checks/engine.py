"""The check engine: registry, concurrent runner, timeouts, dependencies, ignore (§3–4).

A check is a small function `fn(ctx) -> Outcome` (sync or async) registered under a stable id.
The runner owns every policy: all selected checks start at once; a check waits only for the checks
it depends on; each has its own timeout; a crash or timeout becomes an `error` result; `--ignore`
downgrades a `fail` to `warn` without hiding it. Blocking drivers run in a dedicated thread pool
(never on the event loop) and must set socket timeouts of their own (`ctx.timeout`).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, cast

from app.answers import DEFAULT_STEPS, SECRET_PLACEHOLDERS, STEPS, Answers, get_path
from app.i18n.message import N_, Msg, MsgList, Text, as_msg, english, msg, with_messages, with_structure

STATUSES = ("pass", "warn", "fail", "skip", "error")
_RANK = {"pass": 0, "skip": 1, "warn": 2, "fail": 3, "error": 4}

# Checks wait on networks, not CPUs: a pool wide enough that every check of every step can run at
# once (asyncio's default pool has only cpu+4 threads).
_POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="wbsetup-check")


@dataclass(frozen=True)
class Outcome:
    """What a check judged. `observed`/`expected` are short printable values."""

    status: str
    message: Text = ""
    hint: Text = ""
    observed: Any = None
    expected: Any = None


def passed(message: Text = "", observed: Any = None, expected: Any = None) -> Outcome:
    return Outcome("pass", message, "", observed, expected)


def warn(message: Text, hint: Text = "", observed: Any = None, expected: Any = None) -> Outcome:
    return Outcome("warn", message, hint, observed, expected)


def fail(message: Text, hint: Text = "", observed: Any = None, expected: Any = None) -> Outcome:
    return Outcome("fail", message, hint, observed, expected)


def skip(message: Text) -> Outcome:
    return Outcome("skip", message)


def error(message: Text, hint: Text = "") -> Outcome:
    return Outcome("error", message, hint)


@dataclass
class Context:
    """What a check may read. `facts` is shared by the checks of one run (e.g. a connection's
    variables gathered once by `database.connect`)."""

    answers: Answers
    requirements: dict
    timeout: float
    facts: dict = field(default_factory=dict)
    node_reports: list = field(default_factory=list)

    @property
    def req(self) -> dict:
        return self.requirements


CheckFn = Callable[[Context], Outcome | Awaitable[Outcome]]


@dataclass(frozen=True)
class Check:
    id: str
    title: Text
    fn: CheckFn
    depends: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # dotted answers paths that must be set, else `skip`
    reads: tuple[str, ...] = ()  # top-level answers keys it reads besides its step's and its needs' (or EVERYTHING)

    @property
    def step(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def inputs(self) -> frozenset[str] | None:
        """The top-level answers keys this check reads (None: all of them): its step's own section,
        the sections its `needs` name, and what it declares in `reads`."""
        if EVERYTHING in self.reads:
            return None
        return frozenset((self.step, *(p.split(".", 1)[0] for p in (*self.needs, *self.reads))))

    @property
    def secrets(self) -> frozenset[str]:
        """The secret fields this check reads: those among its `needs` and the fields its `reads` name
        (a section in `reads` is not a reason to resolve every secret in it)."""
        return frozenset(p for p in (*self.needs, *self.reads) if p in SECRET_FIELDS)


EVERYTHING = "*"  # reads=[EVERYTHING]: the check reads the whole answers document (e.g. rendered artifacts)
SECRET_FIELDS = frozenset(SECRET_PLACEHOLDERS)  # dotted paths of the secret answers
ANSWER_KEYS = frozenset(f.alias or name for name, f in Answers.model_fields.items())
REGISTRY: dict[str, Check] = {}


def check(id: str, title: Text, *, depends: Iterable[str] = (), needs: Iterable[str] = (), reads: Iterable[str] = ()):
    """Register `fn` as check `id` (decorator). `needs`: dotted answers paths that must be set (else the
    check skips). `reads`: what else it reads — top-level answers keys (a result is stale when one of
    them changed) or single fields such as an optional secret (`deploy.redis_url`): the secrets a step
    needs resolved (`step_secrets`) come from these declarations."""
    step = id.split(".", 1)[0]
    if step not in STEPS:
        raise ValueError(f"check id {id!r} must start with a step: {STEPS}")
    unknown = [k for k in (p.split(".", 1)[0] for p in (*reads, *needs)) if k != EVERYTHING and k not in ANSWER_KEYS]
    if unknown:
        raise ValueError(f"check id {id!r} reads unknown answers keys {unknown!r}")

    def register(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id!r}")
        REGISTRY[id] = Check(id, title, fn, tuple(depends), tuple(needs), tuple(reads))
        return fn

    return register


def step_inputs(step: str) -> tuple[str, ...] | None:
    """What the checks of `step` read, from their declarations (sorted; None: the whole answers):
    the web marks a result stale when one of these changed since it ran."""
    keys: set[str] = set()
    for c in checks_for([step]):
        if (inputs := c.inputs) is None:
            return None
        keys |= inputs
    return tuple(sorted(keys))


def step_secrets(steps: Iterable[str] | None = None) -> set[str]:
    """The secret fields the checks of `steps` read (by default the pre-install steps), from their
    declarations: `validate --step S` resolves only these {env: …} references."""
    return {path for c in checks_for(steps) for path in c.secrets}


def checks_for(steps: Iterable[str] | None = None) -> list[Check]:
    """Registered checks of `steps` (by default the pre-install steps, DEFAULT_STEPS: `verify` runs
    only when asked for), in step order, then registration order."""
    from app.checks import load

    wanted = list(steps) if steps else list(DEFAULT_STEPS)
    load(wanted)  # imports only the modules of these steps (app/checks/__init__.py)
    return sorted((c for c in REGISTRY.values() if c.step in wanted), key=_order)


def _order(c: Check) -> tuple[int, int]:
    """Step order, then the step's module order (app/checks/__init__.py STEP_MODULES), then registration
    order: stable whichever module a caller happened to import first."""
    from app.checks import STEP_MODULES

    mods = STEP_MODULES.get(c.step, ())
    mod = c.fn.__module__.rsplit(".", 1)[-1]
    return STEPS.index(c.step), mods.index(mod) if mod in mods else len(mods)


@dataclass
class Result:
    """One check's result. `title`/`message`/`hint` are texts (a fixed text or a `Msg`, whose `str()` is
    English): `to_dict` is the report contract (English text), `to_data` adds the structured form."""

    id: str
    step: str
    status: str
    title: Text
    message: Text = ""
    hint: Text = ""
    observed: Any = None
    expected: Any = None
    duration_ms: int = 0
    ignored: bool = False
    original_status: str | None = None
    ignore_reason: str | None = None

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            "step": self.step,
            "status": self.status,
            "title": str(self.title),
            "message": str(self.message),
            "hint": str(self.hint),
            "observed": english(self.observed),
            "expected": english(self.expected),
            "duration_ms": self.duration_ms,
            "ignored": self.ignored,
        }
        if self.ignored:
            d["original_status"] = self.original_status
            if self.ignore_reason:
                d["ignore_reason"] = self.ignore_reason
        return d

    def to_data(self) -> dict:
        """`to_dict` plus the template and values of each structured text under "i18n" (stored form)."""
        return with_structure({**self.to_dict(), "message": self.message, "hint": self.hint})

    @classmethod
    def from_dict(cls, d: Mapping) -> Result:
        """From `to_dict` or `to_data` form (a result stored before messages were structured: its English)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in with_messages(d).items() if k in names})


@dataclass
class Report:
    profile: str
    requirements: str
    results: list[Result]
    duration_ms: int = 0

    @property
    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for r in self.results:
            counts[r.status] += 1
        return counts

    def exit_code(self, strict: bool = False) -> int:
        bad = {"fail", "error"} | ({"warn"} if strict else set())
        return 1 if any(r.status in bad for r in self.results) else 0

    def to_dict(self) -> dict:
        return {
            "schema": 1,
            "profile": self.profile,
            "requirements": self.requirements,
            "duration_ms": self.duration_ms,
            "summary": self.summary,
            "checks": [r.to_dict() for r in self.results],
        }


def apply_ignore(result: Result, ignore: Mapping[str, str | None]) -> Result:
    """The one rule for ignoring (§4): a `fail` of an ignored check reads `warn` (its real status and the
    reason kept); a result whose ignore was lifted reads its real status again. `run_checks` applies it
    to each result, once; the web judges a stored result by it against the current ignores, which
    changes the result only when an ignore was set or lifted since its run (ignoring is reversible
    without re-running). Returns `result` itself when nothing changes."""
    real = (result.original_status or result.status) if result.ignored else result.status
    if real == "fail" and result.id in ignore:
        reason = ignore[result.id]
        if result.ignored and result.ignore_reason == reason:
            return result
        return replace(result, status="warn", ignored=True, original_status="fail", ignore_reason=reason)
    if result.ignored:
        return replace(result, status=real, ignored=False, original_status=None, ignore_reason=None)
    return result


def worst(statuses: Iterable[str]) -> str | None:
    statuses = list(statuses)
    return max(statuses, key=_RANK.__getitem__) if statuses else None


def _scrub(value: Any, secrets: list[str]) -> Any:
    """Replace any secret text in a message/observed value (a driver's error text could echo one); a
    message keeps its template, its values are scrubbed."""
    if isinstance(value, (Msg, MsgList)):
        return value.map_values(lambda v: _scrub(v, secrets))
    if isinstance(value, str):
        for s in secrets:
            value = value.replace(s, "********")
        return value
    if isinstance(value, (list, tuple)):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    return value


async def _call(c: Check, ctx: Context) -> Outcome:
    if inspect.iscoroutinefunction(c.fn):
        return await c.fn(ctx)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, cast(Callable[[Context], Outcome], c.fn), ctx)  # not a coroutine


async def run_checks(
    answers: Answers,
    *,
    steps: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    timeout: float = 5.0,
    ignore: Mapping[str, str | None] | Iterable[str] = (),
    requirements: dict | None = None,
    node_reports: list | None = None,
    on_result: Callable[[Result], Any] | None = None,
) -> Report:
    """Run the checks of `steps` (or exactly the ids in `only`) concurrently.

    `answers` must already have its secret references resolved. `on_result` is called (in the
    event loop) as each result is final, for streaming.
    """
    from app import requirements as req_profiles

    ignore = dict(ignore) if isinstance(ignore, Mapping) else {i: None for i in ignore}
    selected = checks_for(steps)
    if only is not None:
        wanted = set(only)
        selected = [c for c in checks_for(STEPS) if c.id in wanted]
    ctx = Context(
        answers, requirements or req_profiles.load(answers.requirements), timeout, node_reports=list(node_reports or [])
    )
    secrets = [
        v.get_secret_value()
        for _, v in answers.secrets()
        if v is not None and hasattr(v, "get_secret_value") and len(v.get_secret_value()) >= 4
    ]
    ids = {c.id for c in selected}
    done: dict[str, asyncio.Future] = {c.id: asyncio.get_running_loop().create_future() for c in selected}

    async def run_one(c: Check) -> Result:
        outcome, started = await _judge(c, ctx, ids, done)
        result = Result(
            id=c.id,
            step=c.step,
            status=outcome.status,
            title=c.title,
            message=_scrub(outcome.message, secrets),
            hint=_scrub(outcome.hint, secrets),
            observed=_scrub(outcome.observed, secrets),
            expected=outcome.expected,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
        result = apply_ignore(result, ignore)
        done[c.id].set_result(outcome)  # dependants see the real outcome, not the downgrade
        if on_result is not None:
            on_result(result)
        return result

    t0 = time.perf_counter()
    results = await asyncio.gather(*(run_one(c) for c in selected))
    return Report(answers.profile, answers.requirements, list(results), int((time.perf_counter() - t0) * 1000))


async def _judge(c: Check, ctx: Context, ids: set[str], done: dict[str, asyncio.Future]) -> tuple[Outcome, float]:
    """The check's outcome and when its own work started (after its dependencies finished)."""
    for dep in c.depends:
        if dep in ids:
            status = (dep_outcome := await done[dep]).status
            if status == "skip":  # say why, e.g. what input to provide
                return skip(
                    msg("skipped: %(dep)s was skipped (%(message)s)", dep=dep, message=as_msg(dep_outcome.message))
                ), time.perf_counter()
            if status not in ("pass", "warn"):
                return skip(
                    msg("skipped: %(dep)s did not pass (%(status)s)", dep=dep, status=msg(status))
                ), time.perf_counter()
    started = time.perf_counter()
    missing = [p for p in c.needs if get_path(ctx.answers, p) in (None, "")]
    if missing:
        return skip(msg("input missing: %(missing)s", missing=", ".join(missing))), started
    return await _guarded(c, ctx), started


async def _guarded(c: Check, ctx: Context) -> Outcome:
    try:
        outcome = await asyncio.wait_for(_call(c, ctx), timeout=ctx.timeout)
    except TimeoutError:
        return error(
            msg("timed out after %(timeout)s s", timeout=format(ctx.timeout, "g")),
            N_("Check that the service is reachable, or raise --timeout"),
        )
    except Exception as exc:  # a crashing check is a result, never a hole
        return error(msg("check crashed: %(type)s: %(exc)s", type=type(exc).__name__, exc=exc))
    if not isinstance(outcome, Outcome) or outcome.status not in STATUSES:
        return error(msg("check returned an invalid outcome: %(outcome)s", outcome=repr(outcome)))
    return outcome


def run_checks_sync(answers: Answers, **kw) -> Report:
    """run_checks from synchronous code. When this thread already runs an event loop (e.g. inside
    another framework), the run gets a fresh loop in a worker thread instead of failing."""
    from app.run_sync import run_sync

    return run_sync(lambda: run_checks(answers, **kw))
