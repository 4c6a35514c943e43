"""The order in which a thread's replies are shown, to API clients and on the pages alike."""

from __future__ import annotations


def thread_order(root: int, pairs: list[tuple[int, int]], visible: set[int]) -> list[int]:
    """Depth first, older replies first, as a thread reads; a reply hidden from the viewer
    hides the replies below it too. `pairs` are (status id, parent id) in age order."""
    children: dict[int, list[int]] = {}
    for status_id, parent in pairs:
        children.setdefault(parent, []).append(status_id)
    out: list[int] = []
    stack = list(reversed(children.get(root, [])))
    while stack:
        current = stack.pop()
        if current not in visible:
            continue
        out.append(current)
        stack.extend(reversed(children.get(current, [])))
    return out
