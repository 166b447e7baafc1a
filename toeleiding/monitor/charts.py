"""The monitor's charts, drawn on the server as SVG with matplotlib (no JavaScript, no CDN).

Every chart is drawn from the *published* cells: a hidden cell is left out and named in the
chart's note, so a chart never shows more than the table beside it.

Names and labels come from users (a region's own non-reach categories, municipality names) and
are drawn as the literal text they are: matplotlib would otherwise read ``$…$`` as mathtext
and fail on the page of every user of the region (``text.parse_math`` off, ``_plain``).
"""
from __future__ import annotations

import contextlib
import io
import textwrap
import unicodedata
import warnings

import matplotlib
from flask_babel import gettext as _

from ..cases.validation import BIDI_CONTROLS

matplotlib.use("svg")   # no display, no GUI toolkit; set before pyplot could ever be imported

from matplotlib.figure import Figure  # noqa: E402

_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "toeleiding-monitor", "font.size": 9,
          "font.family": "sans-serif", "axes.spines.top": False, "axes.spines.right": False,
          "text.parse_math": False}
LABEL_MAX = 60   # a longer name is cut in the chart (the table beside it shows it whole)
NOTE_WIDTH = 130   # characters of the hidden-cells note per line: the figure's width at its font size
COLOURS = ["#1f5f8b", "#e07b39", "#3c8d5a", "#b8434e", "#7a5ba6", "#8c6d31", "#5a6f80", "#c2a83e",
           "#3aa6a0", "#9b9b9b"]


@contextlib.contextmanager
def _drawing():
    """The charts' style, and no warning for a character the server's font lacks (an emoji, a
    script DejaVu does not cover): with ``svg.fonttype`` none the text goes into the SVG as text
    and the reader's browser draws it with its own fonts; only the layout's width estimate uses a
    fallback glyph. Only that warning is silenced, and only while a chart is drawn."""
    with matplotlib.rc_context(_STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
        yield


def _plain(text) -> str:
    """A user's text as a chart shows it: without control characters (not allowed in the SVG's
    XML) or bidi controls (they would reorder the chart's other text), cut to LABEL_MAX, and not
    starting with ``_`` (matplotlib leaves such labels out of the legend)."""
    text = "".join(c for c in str(text) if c not in BIDI_CONTROLS and unicodedata.category(c) != "Cc")
    if len(text) > LABEL_MAX:
        text = text[:LABEL_MAX - 1] + "…"
    return " " + text if text.startswith("_") else text


def _plain_rows(rows: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    return [(_plain(name), cells) for name, cells in rows]


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]   # inline in the page: drop the XML prologue and doctype


def _figure(rows: int) -> Figure:
    with matplotlib.rc_context(_STYLE):
        return Figure(figsize=(7.5, 0.45 * rows + 1.4))   # bbox_inches="tight" on save does the layout


def _hidden_note(ax, hidden: list[str]) -> None:
    if hidden:
        # Wrapped here, not with matplotlib's wrap=True: its line measuring (3.11) parses text
        # with an even number of "$" as mathtext whatever text.parse_math says.
        note = _("Niet getoond (verborgen kleine aantallen):") + " " + ", ".join(hidden)
        ax.figure.text(0.01, -0.04, textwrap.fill(note, NOTE_WIDTH), fontsize=7.5, color="#555", va="top")


def _is_hidden(cell: dict) -> bool:
    """Suppressed, as opposed to not computable ("-": no target group, no figure entered)."""
    return cell["value"] is None and cell["display"] != "-"


def _empty(ax, values) -> None:
    if not any(v for v in values if v):
        ax.text(0.5, 0.5, _("Geen gegevens om te tonen"), transform=ax.transAxes, ha="center", color="#555")


def reach_chart(rows: list[tuple[str, dict]], target=100.0, toddler_target=None) -> str:
    """Reach (placed / target group) per municipality and the region, against the region's target
    in force (100% when it set none)."""
    rows = _plain_rows(rows)
    with _drawing():
        fig = _figure(len(rows))
        ax = fig.add_subplot()
        names, values, hidden = [], [], []
        for name, cells in rows:
            v = cells["reach_pct"]["value"]
            if v is None:
                if _is_hidden(cells["reach_pct"]):
                    hidden.append(name)
                continue
            names.append(name)
            values.append(v)
        ax.barh(names[::-1], values[::-1], color=COLOURS[0])
        _empty(ax, [1] if values else [])
        for y, v in enumerate(values[::-1]):
            ax.text(v + 1, y, f"{v:.1f}%", va="center", fontsize=8)
        target = float(target)
        ax.axvline(target, color=COLOURS[3], linestyle="--", linewidth=1.2, label=_("Doel %(pct)s%%", pct=format(target, "g")))
        if toddler_target is not None:
            # The region's other target (VE places for all toddlers aged 2.5-4), for comparison.
            ax.axvline(float(toddler_target), color=COLOURS[4], linestyle=":", linewidth=1.2,
                       label=_("Doel alle peuters %(pct)s%%", pct=format(float(toddler_target), "g")))
        ax.set_xlim(0, 115)
        ax.set_xlabel(_("Bereik (%)"))
        ax.legend(loc="lower right", frameon=False)
        ax.set_title(reach_title(target), loc="left", fontsize=10)
        _hidden_note(ax, hidden)
        return _svg(fig)


def reasons_chart(rows: list[tuple[str, dict]], reasons: list[str], labels: dict[str, str]) -> str:
    """Children not reached, by reason, stacked per municipality (published cells only)."""
    rows = _plain_rows(rows)
    labels = {reason: _plain(labels.get(reason, reason)) for reason in reasons}
    with _drawing():
        fig = _figure(len(rows) + 2)
        ax = fig.add_subplot()
        names = [name for name, _cells in rows][::-1]
        left = [0] * len(names)
        hidden = []
        for i, reason in enumerate(reasons):
            values = []
            for name, cells in rows[::-1]:
                v = cells[f"not_reached_{reason}"]["value"]
                if _is_hidden(cells[f"not_reached_{reason}"]):
                    hidden.append(f"{name}: {labels.get(reason, reason)}")
                values.append(v or 0)
            if any(values):
                ax.barh(names, values, left=left, color=COLOURS[i % len(COLOURS)], label=labels.get(reason, reason))
                left = [a + b for a, b in zip(left, values)]
        ax.set_xlabel(_("Niet bereikt (aantal kinderen)"))
        ax.set_title(_("Redenen van niet-bereik per gemeente"), loc="left", fontsize=10)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False, fontsize=7.5)
        _hidden_note(ax, hidden)
        return _svg(fig)


def cbs_jgz_chart(rows: list[tuple[str, dict]]) -> str:
    """The CBS target-group figure beside the JGZ count (children indicated, from the cases)."""
    rows = _plain_rows(rows)
    with _drawing():
        fig = _figure(len(rows) * 2)
        ax = fig.add_subplot()
        names = [name for name, _cells in rows][::-1]
        cbs = [cells["cbs_target_group"]["value"] for _name, cells in rows][::-1]
        jgz = [cells["target_group"]["value"] for _name, cells in rows][::-1]
        ys = range(len(names))
        ax.barh([y + 0.2 for y in ys], [v or 0 for v in cbs], height=0.4, color=COLOURS[5], label="CBS")
        ax.barh([y - 0.2 for y in ys], [v or 0 for v in jgz], height=0.4, color=COLOURS[0], label=_("JGZ (geïndiceerd)"))
        ax.set_yticks(list(ys), names)
        ax.set_xlabel(_("Doelgroepkinderen"))
        ax.legend(loc="lower right", frameon=False)
        ax.set_title(_("Doelgroep volgens CBS en volgens JGZ"), loc="left", fontsize=10)
        hidden = [f"{n} (CBS)" for n, (_name, c) in zip(names, rows[::-1]) if _is_hidden(c["cbs_target_group"])] + \
                 [f"{n} (JGZ)" for n, (_name, c) in zip(names, rows[::-1]) if _is_hidden(c["target_group"])]
        _hidden_note(ax, hidden[::-1])
        return _svg(fig)


def budget_chart(rows: list[tuple[str, dict]]) -> str:
    """GOAB budget per target-group child."""
    rows = _plain_rows(rows)
    with _drawing():
        fig = _figure(len(rows))
        ax = fig.add_subplot()
        names, values, hidden = [], [], []
        for name, cells in rows:
            v = cells["budget_per_target_child"]["value"]
            if v is None:
                if _is_hidden(cells["budget_per_target_child"]):
                    hidden.append(name)
                continue
            names.append(name)
            values.append(v)
        ax.barh(names[::-1], values[::-1], color=COLOURS[2])
        _empty(ax, values)
        for y, v in enumerate(values[::-1]):
            ax.text(v, y, f" € {v:,}".replace(",", "."), va="center", fontsize=8)
        ax.set_xlabel(_("GOAB-budget per doelgroepkind (€)"))
        ax.set_title(_("Budget per doelgroepkind"), loc="left", fontsize=10)
        _hidden_note(ax, hidden)
        return _svg(fig)


def reach_title(target=100.0) -> str:
    return _("Bereik per gemeente tegen het doel van %(pct)s%%", pct=format(float(target), "g"))
