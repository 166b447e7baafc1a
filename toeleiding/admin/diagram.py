"""A picture of the workflow in effect, computed from the loaded workflow file (no drawing tool)."""
from __future__ import annotations

from ..workflow.definition import Workflow

NODE_W, NODE_H, ROW_GAP, WIDTH = 200, 44, 96, 900


def _levels(wf: Workflow) -> dict[str, int]:
    """Longest distance from the initial state along forward edges (back edges are ignored)."""
    # In the file's order of transitions: the main path is written first, so it becomes the spine.
    edges = {s: list(dict.fromkeys(t.dest for t in wf.transitions.values() if s in t.sources)) for s in wf.states}
    order, state_of = [], {}

    def visit(s):   # depth-first, marking edges into the current path as back edges
        state_of[s] = "open"
        for d in edges[s]:
            if d not in state_of:
                visit(d)
        state_of[s] = "done"
        order.append(s)

    visit(wf.initial)
    order.reverse()
    position = {s: i for i, s in enumerate(order)}
    level = {s: 0 for s in order}
    for s in order:
        for d in edges[s]:
            if position.get(d, -1) > position[s]:
                level[d] = max(level[d], level[s] + 1)
    return level


def workflow_diagram(wf: Workflow, state_label, trigger_label) -> dict:
    """Nodes and edges with coordinates for an inline SVG."""
    level = _levels(wf)
    rows: dict[int, list[str]] = {}
    for s in wf.states:
        rows.setdefault(level.get(s, 0), []).append(s)
    nodes = {}
    for lvl, states in rows.items():
        gap = WIDTH / (len(states) + 1)
        for i, s in enumerate(states):
            cx, y = gap * (i + 1), 20 + lvl * (NODE_H + ROW_GAP)
            nodes[s] = {"name": s, "label": state_label(s), "x": cx - NODE_W / 2, "y": y, "cx": cx,
                        "final": s in wf.final_states, "initial": s == wf.initial}
    edges = []
    for t in wf.transitions.values():
        roles = ", ".join(sorted(t.all_roles()))
        for i, src in enumerate(t.sources):
            a, b = nodes[src], nodes[t.dest]
            span = round((b["y"] - a["y"]) / (NODE_H + ROW_GAP))
            if span > 1 and not (len(t.sources) > 3):   # skips rows: around the left, clear of the boxes between
                if b["cx"] >= WIDTH / 2:   # on the side the destination stands, so no box is crossed
                    x1, x2 = a["x"] + NODE_W, b["x"] + NODE_W
                    bend = max(x1, x2) + 60 + 25 * span
                    lx = bend - 40
                else:
                    x1, x2 = a["x"], b["x"]
                    bend = min(x1, x2) - 60 - 25 * span
                    lx = bend + 40
                y1, y2 = a["y"] + NODE_H / 2, b["y"] + NODE_H / 2
                d = f"M{x1:.0f},{y1:.0f} C{bend:.0f},{y1:.0f} {bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
                ly = (y1 + y2) / 2
            elif b["y"] > a["y"]:
                x1, y1, x2, y2 = a["cx"], a["y"] + NODE_H, b["cx"], b["y"]
                d = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + 40:.0f} {x2:.0f},{y2 - 40:.0f} {x2:.0f},{y2:.0f}"
                lx, ly = (x1 + x2) / 2, (y1 + y2) / 2
            else:   # back to an earlier state: around the right-hand side
                x1, y1, x2, y2 = a["x"] + NODE_W, a["y"] + NODE_H / 2, b["x"] + NODE_W, b["y"] + NODE_H / 2
                bend = max(x1, x2) + 90
                d = f"M{x1:.0f},{y1:.0f} C{bend:.0f},{y1:.0f} {bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
                lx, ly = bend - 20, (y1 + y2) / 2
            edges.append({"d": d, "lx": lx, "ly": ly, "label": f"{trigger_label(t.trigger)} ({roles})",
                          "bulk": len(t.sources) > 3, "trigger": t.trigger, "labelled": i == 0})
    height = 40 + (max(rows) + 1) * (NODE_H + ROW_GAP)
    return {"nodes": list(nodes.values()), "edges": edges, "width": WIDTH + 160, "height": height,
            "node_w": NODE_W, "node_h": NODE_H}
