"""Deterministic sharding of a test run: shard I of N keeps the tests whose node id hashes to I.

The hash is SHA-256 of the node id, so a test lands in the same shard on every machine, in every
process and whatever else was collected: the N shards are disjoint and together are the suite.
Node ids are relative to pytest's rootdir, so run every shard from the same checkout.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, nodeid: str) -> bool:
        """Whether the test with this node id belongs to this shard.

        >>> sum(Shard(i, 3).holds("tests/test_x.py::test_y") for i in (1, 2, 3))
        1
        """
        return shard_index(nodeid, self.count) == self.index


def shard_index(nodeid: str, count: int) -> int:
    """The 1-based shard of ``count`` that a node id belongs to (stable across processes)."""
    digest = hashlib.sha256(nodeid.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """Read ``I/N`` as a Shard; used as the argparse ``type`` of ``--adh-shard``.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not two integers with 1 <= I <= N.

    >>> parse_shard("2/4")
    Shard(index=2, count=4)
    """
    index, slash, count = text.strip().partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        shard = None
    if not slash or shard is None or not 1 <= shard.index <= shard.count:
        raise argparse.ArgumentTypeError(
            f"expects I/N with 1 <= I <= N, got {text}; "
            "for example --adh-shard 2/4 runs the second of four shards")
    return shard
