"""Run the property suite entry by entry, so that rules sharing a compiled check reuse it."""

from __future__ import annotations


def pytest_collection_modifyitems(session, config, items) -> None:
    slots = [i for i, item in enumerate(items)
             if hasattr(item, "callspec") and "entry" in item.callspec.params]
    if not slots:
        return
    order = {}
    for i in slots:
        params = items[i].callspec.params
        order.setdefault((id(params["entry"]), params["dtype"]), len(order))
    ranked = sorted(slots, key=lambda i: (
        order[(id(items[i].callspec.params["entry"]), items[i].callspec.params["dtype"])], i))
    moved = [items[i] for i in ranked]
    for slot, item in zip(slots, moved):
        items[slot] = item
