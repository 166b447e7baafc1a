"""A picture of the workflow in effect, computed from the loaded workflow file (no drawing tool)."""
from __future__ import annotations

from ..workflow.definition import Workflow

NODE_W, NODE_H, ROW_GAP, WIDTH = 200, 44, 96, 900
BADGE_R = 11   # the numbered circle on an edge; the legend beside the picture says what it is


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
    for number, t in enumerate(wf.transitions.values(), start=1):
        roles = ", ".join(sorted(t.all_roles()))
        for i, src in enumerate(t.sources):
            a, b = nodes[src], nodes[t.dest]
            span = round((b["y"] - a["y"]) / (NODE_H + ROW_GAP))
            if span > 1 and not (len(t.sources) > 3):   # skips rows: around the left, clear of the boxes between
                if b["cx"] >= WIDTH / 2:   # on the side the destination stands, so no box is crossed
                    x1, x2 = a["x"] + NODE_W, b["x"] + NODE_W
                    bend = max(x1, x2) + 60 + 25 * span
                else:
                    x1, x2 = a["x"], b["x"]
                    bend = min(x1, x2) - 60 - 25 * span
                y1, y2 = a["y"] + NODE_H / 2, b["y"] + NODE_H / 2
                curve = ((x1, y1), (bend, y1), (bend, y2), (x2, y2))
            elif b["y"] > a["y"]:
                x1, y1, x2, y2 = a["cx"], a["y"] + NODE_H, b["cx"], b["y"]
                curve = ((x1, y1), (x1, y1 + 40), (x2, y2 - 40), (x2, y2))
            else:   # back to an earlier state: around the right-hand side
                x1, y1, x2, y2 = a["x"] + NODE_W, a["y"] + NODE_H / 2, b["x"] + NODE_W, b["y"] + NODE_H / 2
                bend = max(x1, x2) + 90
                curve = ((x1, y1), (bend, y1), (bend, y2), (x2, y2))
            (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
            bulk = len(t.sources) > 3
            edges.append({"d": f"M{ax:.0f},{ay:.0f} C{bx:.0f},{by:.0f} {cx:.0f},{cy:.0f} {dx:.0f},{dy:.0f}",
                          "curve": curve, "number": number, "label": f"{trigger_label(t.trigger)} ({roles})",
                          "bulk": bulk, "trigger": t.trigger, "labelled": not bulk or i == 0})
    _place_badges(edges, nodes.values())
    height = 40 + (max(rows) + 1) * (NODE_H + ROW_GAP)
    return {"nodes": list(nodes.values()), "edges": edges, "width": WIDTH + 160, "height": height,
            "node_w": NODE_W, "node_h": NODE_H, "badge_r": BADGE_R}


def _point(curve, t: float) -> tuple[float, float]:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
    u = 1 - t
    return (u**3 * ax + 3 * u * u * t * bx + 3 * u * t * t * cx + t**3 * dx,
            u**3 * ay + 3 * u * u * t * by + 3 * u * t * t * cy + t**3 * dy)


def _place_badges(edges: list[dict], nodes) -> None:
    """Put each edge's number on the edge itself, at the point nearest its middle where the badge
    touches no box and no other badge. Text labels collided wherever edges run close together
    (two curves into the same state); a short number fits, and the legend carries the words."""
    pad = 3
    taken = [(n["x"] - pad, n["y"] - pad, n["x"] + NODE_W + pad, n["y"] + NODE_H + pad) for n in nodes]
    candidates = [0.5] + [0.5 + sign * k / 20 for k in range(1, 9) for sign in (-1, 1)]
    for e in edges:
        if not e["labelled"]:
            continue
        for t in candidates:
            x, y = _point(e["curve"], t)
            box = (x - BADGE_R - pad, y - BADGE_R - pad, x + BADGE_R + pad, y + BADGE_R + pad)
            if not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in taken):
                break
        else:   # nowhere free along the curve: the middle, so it is at least on its own edge
            x, y = _point(e["curve"], 0.5)
            box = (x - BADGE_R - pad, y - BADGE_R - pad, x + BADGE_R + pad, y + BADGE_R + pad)
        taken.append(box)
        e["bx"], e["by"] = x, y
