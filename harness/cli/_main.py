"""The ``adharness`` command line.

``adharness verify`` runs ``harness.search`` over the built-in catalog (a few entries of every
family by default, the whole catalog with ``--all``), shows a live line while it works, a line
per entry and dtype as each finishes, and the summary last (see ``harness.cli._verify``)::

    adharness verify                              # every family, a few entries, 10 examples
    adharness verify --all                        # the whole catalog, 25 examples each
    adharness verify --only 'seed.*' --dtype float32 --max-examples 100
    adharness verify --list                       # what would run
    adharness verify --report verify.json         # also a JSON record, with every why
    adharness verify --suites --profile ci --junit suites.xml   # the property suites (pytest)

``adharness fuzz`` runs the properties on randomly generated programs until its time is up or
Ctrl-C, and writes each distinct failure as a standalone reproducer (``harness.cli._fuzz``)::

    adharness fuzz --out failures/                # 5 minutes, every rule
    adharness fuzz --out failures/ --minutes 60 --seed 7 --rule jvp_matches_oracle

``adharness bench``, ``report``, ``compare`` and ``history`` run the benchmarks and read their
results (see ``harness.cli._reports``).

Exit status: 0 when nothing failed, 1 when a derivative failed or an entry could not be checked
(verify) or a failure was found, written now or already in the folder (fuzz), 2 for a usage
error, 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from harness.cli import _fuzz, _reports, _verify
from harness.cli._common import version

INTERRUPTED = 130  # 128 + SIGINT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adharness", description="Property-based verification of JAX derivatives.",
        epilog="'adharness COMMAND --help' says more of each command.",
    )
    parser.add_argument("--version", action="version", version=f"adharness {version()}",
                        help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _verify.add_command(commands)
    _fuzz.add_command(commands)
    _reports.add_commands(commands)
    return parser


COMMANDS = {"verify": _verify.verify, "fuzz": _fuzz.fuzz, **_reports.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    """The ``adharness`` console script; returns the exit status instead of exiting."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args, args.subparser)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 2)
    except BrokenPipeError:  # the reader went away (adharness verify --list | head)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("\nadharness: interrupted", file=sys.stderr, flush=True)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
