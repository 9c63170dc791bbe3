"""What ``adharness verify`` found for each catalog entry and dtype, and how it says so: the
table line, one line of why for every verdict but passed, the summary and the JSON record."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import jax

from harness.catalog import Entry, KnownBug
from harness.results._report import Report

PASSED, FAILED, INCONCLUSIVE, UNDEFINED = "passed", "failed", "inconclusive", "undefined"
SKIPPED, KNOWN_BUG, ERROR = "skipped", "known-bug", "error"
# In the order the summary counts them; a verdict not seen is left out, but the first five.
VERDICTS = (PASSED, FAILED, INCONCLUSIVE, KNOWN_BUG, ERROR, UNDEFINED, SKIPPED)
_NAMES = {KNOWN_BUG: ("known JAX bug", "known JAX bugs"), ERROR: ("error", "errors")}
_STATUS_WORD = re.compile(r"^(FAILED|INCONCLUSIVE|SKIPPED|PASSED)\s+")
MEANINGS = {
    PASSED: "every check agreed with its oracle within the error budget at every example",
    FAILED: "a derivative disagreed with its oracle beyond the budget: a wrong rule (exit 1; "
            "the report and a reproducer are printed)",
    INCONCLUSIVE: "nothing failed, but some check could not be decided (a kink, oracles that "
                  "disagree, a value that is not finite); the line says which and why",
    UNDEFINED: "fn is nan or inf at the point, so there is no derivative to check there "
               "(harness.check; a search draws another point instead)",
    SKIPPED: "no check could run (no AD mode of fn can be differentiated); a single skipped "
             "check, such as forward mode of a custom_vjp, is listed in the report and leaves "
             "the verdict as it is",
    KNOWN_BUG: "a failure the catalog expects: a JAX bug whose probe finds it in the running "
               "JAX; the line says what JAX gets wrong (exit 0)",
    ERROR: "the entry could not be checked at all (its domain draws nothing, fn raised); "
           "exit 1",
}


@dataclasses.dataclass
class Outcome:
    """What one search of one catalog entry at one dtype found.

    ``reason`` is one line of why for every verdict but passed; ``failures`` the full report
    of a real failure; ``known_bug`` and ``probe`` the catalog's text and probe of a known bug.
    """

    name: str
    dtype: str
    verdict: str
    examples: int
    seconds: float
    reason: str = ""
    failures: str = ""
    error: str = ""
    known_bug: str = ""
    probe: str = ""
    reproduce: str = ""


def from_report(entry: Entry, dtype: str, report: Report, seconds: float) -> Outcome:
    """The outcome of ``harness.search`` on ``entry``: a failure the entry expects is a known
    bug, told by its catalog text, never as a failure."""
    verdict = SKIPPED if report.verdict == "nothing checked" else report.verdict
    outcome = Outcome(entry.name, dtype, verdict, report.examples, seconds,
                      reason=_STATUS_WORD.sub("", report.reason))
    known = entry.expected_failure("*", oracle=True)
    if report.failures and known:
        mark = entry.xfail.get("*")
        outcome.verdict = KNOWN_BUG
        outcome.known_bug = known.removeprefix("why: ")
        outcome.probe = (getattr(mark.probe, "__name__", "").lstrip("_")
                         if isinstance(mark, KnownBug) else "")
        outcome.reproduce = report.reproduce
    elif report.failures or verdict == ERROR:
        outcome.failures = str(report)
    return outcome


def error(entry: Entry, dtype: str, message: str, seconds: float) -> Outcome:
    """An entry the harness could not use (``InvalidArgument`` from ``search``)."""
    return Outcome(entry.name, dtype, ERROR, 0, seconds, reason=message, error=message)


def table_header() -> str:
    return f"{'entry':<28} {'dtype':<11} {'verdict':<13} {'examples':>8} {'time':>9}"


def table_line(o: Outcome) -> str:
    return f"{o.name:<28} {o.dtype:<11} {o.verdict:<13} {o.examples:>8} {o.seconds:>8.2f}s"


def why(o: Outcome) -> str:
    """One line of why for a verdict other than passed."""
    if o.verdict != KNOWN_BUG:
        return o.reason or o.verdict
    text = gist(o.known_bug)
    if o.probe:
        text += f" (probe {o.probe} finds it in jax {jax.__version__})"
    seen = o.reason.split(" (")[0]
    return f"{text}; seen as {seen}" if seen else text


def gist(text: str, *, limit: int = 200) -> str:
    """The first clause of ``text``: up to its first ": " or the end of its first sentence,
    cut at a word before ``limit`` characters.

    >>> gist("Wrong at 0: the rule divides by x. Right elsewhere.")
    'Wrong at 0'
    """
    text = " ".join(text.split())
    clause = re.split(r"(?<=\.)\s+(?=[A-Z])|:\s", text, maxsplit=1)[0].rstrip(".")
    if len(clause) <= limit:
        return clause
    return clause[:limit].rsplit(" ", 1)[0] + " ..."


def counts_line(outcomes: list[Outcome], seconds: float) -> str:
    """``"335 passed, 0 failed, 7 inconclusive, 7 known JAX bugs, 0 errors in 62.0s"``."""
    counts = Counter(o.verdict for o in outcomes)
    parts = []
    for i, verdict in enumerate(VERDICTS):
        n = counts.get(verdict, 0)
        if n or i < 5:
            singular, plural = _NAMES.get(verdict, (verdict, verdict))
            parts.append(f"{n} {singular if n == 1 else plural}")
    return ", ".join(parts) + f" in {seconds:.1f}s"


def summary(outcomes: list[Outcome], seconds: float) -> list[str]:
    """The closing lines: each verdict but passed with its why, then the counts."""
    lines = [""]
    others = [o for o in outcomes if o.verdict != PASSED]
    if others:
        lines.append("not passed, and why:")
        width = max(len(o.verdict) for o in others)
        lines += [f"  {o.verdict:<{width}}  {o.name} ({o.dtype}): {why(o)}" for o in others]
    lines.append(counts_line(outcomes, seconds))
    return lines


def record(o: Outcome) -> dict:
    """The outcome as a JSON object, with the one-line why of the summary."""
    return dataclasses.asdict(o) | {"seconds": round(o.seconds, 3),
                                    "why": why(o) if o.verdict != PASSED else ""}
