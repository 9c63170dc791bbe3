"""``adharness fuzz``: the properties on randomly generated programs, for a while.

It stops at its time limit or on Ctrl-C alike, and prints the same summary either way: how many
programs were checked against how many properties, the failures found, and where their
reproducers are. Interrupted, it exits 130 (128 + SIGINT), as shells expect.
"""

from __future__ import annotations

import argparse
import os

from harness.cli._common import compile_fast_on_the_cpu, minutes
from harness.cli._progress import duration

INTERRUPTED = 130  # 128 + SIGINT, as shells report a program that Ctrl-C stopped


def add_command(commands) -> None:
    """Add ``fuzz`` to ``adharness``'s subparsers."""
    fuzz = commands.add_parser(
        "fuzz", help="check randomly generated programs for a while",
        description="Run the properties on randomly generated programs until the time is up "
                    "or Ctrl-C; write each distinct failure (property and primitives) to a "
                    "reproducer file, then print a summary. Exit status: 0 when nothing "
                    "failed, 1 when a failure was found (written now or already in the "
                    "folder), 130 when interrupted, 2 for a usage error.",
    )
    fuzz.add_argument("--minutes", type=minutes, default=5.0, metavar="M",
                      help="how long to search (default 5); Ctrl-C stops sooner, with the "
                           "same summary")
    fuzz.add_argument("--out", required=True, metavar="DIR",
                      help="folder for the reproducers, created if missing; failures with a "
                           "file there already are not written again")
    fuzz.add_argument("--seed", type=int, default=0, metavar="S",
                      help="seed of the generated programs (default 0)")
    fuzz.add_argument("--rule", action="append", default=[], metavar="NAME",
                      help="run only this rule, or 'check' for harness.check (repeatable; "
                           "default: all that apply to generated programs)")
    fuzz.add_argument("--known-bugs", action="store_true",
                      help="also generate what today's JAX is known to get wrong")
    fuzz.set_defaults(subparser=fuzz)


def for_how_long(minutes: float) -> str:
    """``minutes`` in words: ``"1 minute"``, ``"30 minutes"``, ``"20 seconds"``.

    >>> for_how_long(1), for_how_long(30), for_how_long(1 / 3), for_how_long(2.5)
    ('1 minute', '30 minutes', '20 seconds', '2.5 minutes')
    """
    if minutes < 1:
        seconds = round(minutes * 60, 1)
        return f"{seconds:g} second" + ("" if seconds == 1 else "s")
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def summary_lines(summary, out: str) -> list[str]:
    """What the run did, found, and where the reproducers are."""
    ended = "interrupted (Ctrl-C)" if summary.interrupted else "time is up"
    rules = len(summary.rules)
    new = len(summary.written)
    lines = [
        "",
        f"{ended} after {duration(summary.seconds)}: {summary.programs} programs checked "
        f"against {rules} {'property' if rules == 1 else 'properties'} in {summary.rounds} "
        f"round{'' if summary.rounds == 1 else 's'}",
        f"{len(summary.failures)} failure{'' if len(summary.failures) == 1 else 's'} found "
        f"({new} new, {len(summary.failures) - new} already in {out})"
        + (":" if summary.failures else ""),
    ]
    lines += [f"  {failure.key}: {failure.path}" for failure in summary.failures]
    lines.append(f"reproducers are in {os.path.abspath(out)}"
                 + ("; run one with python FILE" if summary.failures else ""))
    return lines


def fuzz(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``adharness fuzz``; returns the exit status."""
    from properties import _fuzz

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"--out {args.out!r} is a file; name a folder for the reproducers "
                     "(it is created if missing)")
    valid = _fuzz.fuzzable_rules()
    for name in args.rule:
        if name not in valid:
            parser.error(f"--rule {name!r} is not a rule fuzz can run; choose from "
                         f"{', '.join(valid)}")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        parser.error(f"--out {args.out!r}: cannot create the folder ({error.strerror})")
    compile_fast_on_the_cpu()
    print(f"fuzzing for {for_how_long(args.minutes)} (Ctrl-C stops sooner), seed {args.seed}; "
          f"reproducers go to {args.out}", flush=True)
    summary = _fuzz.fuzz(seconds=args.minutes * 60, out=args.out, seed=args.seed,
                         rules=args.rule or None, known_bugs=args.known_bugs,
                         progress=lambda line: print(line, flush=True))
    print("\n".join(summary_lines(summary, args.out)), flush=True)
    if summary.interrupted:
        return INTERRUPTED
    return 1 if summary.failures else 0
