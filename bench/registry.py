"""The bench registry: every benchmark registers itself with `@benchmark`, returns its figures, and
`python -m bench` (`make bench`) prints all of them in one table, each with its goal and met/unmet.

Adding a benchmark: a module in bench/ with

    from bench.registry import Figure, benchmark

    @benchmark("drift")
    def drift() -> list[Figure]:          # or Run(figures, data) to keep raw data in results.json
        ...
        return [Figure("drift: wall / slowest API call", ratio, "", "≤ 1.2")]

and its module name in `MODULES` of bench/__main__.py. A figure's goal is "", "≤ x", "< x", "≥ x",
"> x" or "= x" (x in the figure's unit); `met` is computed from it (None when there is no goal, or
no value: a benchmark that could not measure says why in `note`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {
    "≤": operator.le,
    "<=": operator.le,
    "<": operator.lt,
    "≥": operator.ge,
    ">=": operator.ge,
    ">": operator.gt,
    "=": operator.eq,
}


def goal_met(value: Any, goal: str) -> bool | None:
    """Whether `value` meets `goal` ("≤ 1.15", "< 50", "= 200"; None without a goal or a number)."""
    goal = goal.strip()
    if not goal or not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    for sym in sorted(_OPS, key=len, reverse=True):
        if goal.startswith(sym):
            return _OPS[sym](float(value), float(goal[len(sym) :].strip().replace(",", "")))
    raise ValueError(f"goal {goal!r}: expected '≤ x', '< x', '≥ x', '> x' or '= x'")


@dataclass
class Figure:
    """One measured figure: `value` in `unit` ("s", "ms", "×" for a ratio, "" for a count), its `goal`
    ("" = reported, not judged) and a short `note` (what the value is made of, e.g. "median of 5")."""

    name: str
    value: Any
    unit: str = ""
    goal: str = ""
    note: str = ""
    met: bool | None = field(default=None)

    def __post_init__(self) -> None:
        self.met = goal_met(self.value, self.goal)

    def shown(self) -> str:
        if self.value is None:
            return "—"
        unit = "" if self.unit in ("", "×") else f" {self.unit}"
        return f"{self.value}{unit}"


@dataclass
class Run:
    """A benchmark's figures and the raw data it measured them from (kept in bench/results.json)."""

    figures: list[Figure]
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Benchmark:
    name: str
    fn: Callable[[], list[Figure] | Run]
    module: str


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str):
    """Register `fn() -> list[Figure] | Run` as benchmark `name` (run in registration order)."""

    def register(fn):
        if name in BENCHMARKS:
            raise ValueError(f"duplicate benchmark {name!r}")
        BENCHMARKS[name] = Benchmark(name, fn, fn.__module__)
        return fn

    return register


def run(bench: Benchmark) -> Run:
    """Run one benchmark; a crash becomes one unmet figure saying so (the table still prints)."""
    try:
        out = bench.fn()
    except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
        return Run([Figure(f"{bench.name}: did not run", None, note=f"{type(exc).__name__}: {exc}"[:200])], {})
    return out if isinstance(out, Run) else Run(list(out))


def table(figures: list[Figure]) -> str:
    """One plain-text table: figure, value, goal, met (yes / NO / blank), note."""
    rows = [("figure", "value", "goal", "met", "note")]
    for f in figures:
        mark = "" if f.met is None else ("yes" if f.met else "NO")
        if f.value is None and f.goal:
            mark = "NO"
        rows.append((f.name, f.shown(), f.goal, mark, f.note))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        lines.append(
            f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:<{widths[3]}}  {r[4]}".rstrip()
        )
        if len(lines) == 1:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def to_json(figures: list[Figure]) -> list[dict]:
    return [asdict(f) for f in figures]
