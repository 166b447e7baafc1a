"""The monitor's charts, drawn on the server as SVG with matplotlib (no JavaScript, no CDN).

Every chart is drawn from the *published* cells: a hidden cell is left out and named in the
chart's note, so a chart never shows more than the table beside it.

Names and labels come from users (a region's own non-reach categories, municipality names) and
are drawn as the literal text they are: matplotlib would otherwise read ``$…$`` as mathtext
and fail on the page of every user of the region (``text.parse_math`` off, ``_plain``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import textwrap
import unicodedata
import warnings

import matplotlib
from flask_babel import gettext as _

from ..cases.validation import BIDI_CONTROLS
from ..dates import format_day
from ..numbers import format_decimal, format_percent

matplotlib.use("svg")   # no display, no GUI toolkit; set before pyplot could ever be imported

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

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


def _nothing(ax, why: str) -> None:
    """An empty chart says in words why it is empty, instead of drawing axes around nothing
    (matplotlib's default −0.04…0.04 scale)."""
    ax.set_axis_off()
    ax.figure.set_size_inches(7.5, 1.0)   # no rows to draw: a line of text, not a tall empty frame
    ax.text(0.0, 0.5, textwrap.fill(why, 90), transform=ax.transAxes, ha="left", va="center", color="#333")


def _why_empty(hidden: list[str], none: str) -> str:
    """Why nothing is drawn: every number hidden by the small-numbers rule, or none to draw."""
    if hidden:
        return _("Niets te tonen: alle aantallen in deze grafiek zijn klein, of daaruit terug te rekenen, en "
                 "daarom verborgen; in de tabel staan ze met < of x.")
    return none


def _whole_numbers(axis) -> None:
    """A count axis shows whole numbers only: no 2.5 children."""
    axis.set_major_locator(MaxNLocator(integer=True))


def _legend_above(ax, **kwargs) -> None:
    """The legend above the plot, right-aligned opposite the title: outside the bars, so it never
    covers one."""
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.01), frameon=False, borderaxespad=0, **kwargs)


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
        ax.set_title(reach_title(target), loc="left", fontsize=10)
        if not values:
            _nothing(ax, _why_empty(hidden, _("Niets te tonen: op deze peildatum is er geen kind in de doelgroep.")))
            _hidden_note(ax, hidden)
            return _svg(fig)
        ax.barh(names[::-1], values[::-1], color=COLOURS[0])
        for y, v in enumerate(values[::-1]):
            ax.text(v + 1, y, format_percent(v), va="center", fontsize=8)
        target = float(target)
        ax.axvline(target, color=COLOURS[3], linestyle="--", linewidth=1.2, label=_("Doel %(pct)s%%", pct=format(target, "g")))
        if toddler_target is not None:
            # The region's other target (VE places for all toddlers aged 2.5-4), for comparison.
            ax.axvline(float(toddler_target), color=COLOURS[4], linestyle=":", linewidth=1.2,
                       label=_("Doel alle peuters %(pct)s%%", pct=format(float(toddler_target), "g")))
        ax.set_xlim(0, 115)
        ax.set_xlabel(_("Bereik (%)"))
        _legend_above(ax)
        ax.set_title(reach_title(target), loc="left", fontsize=10)
        _hidden_note(ax, hidden)
        return _svg(fig)


def reasons_chart(rows: list[tuple[str, dict]], reasons: list[str], labels: dict[str, str]) -> str:
    """Children not reached, by reason, stacked per municipality (published cells only).

    Give it the region's row too: a small municipality's reasons are often all hidden, while the
    region's totals, being larger, are shown, so the chart still tells why children were missed."""
    rows = _plain_rows(rows)
    labels = {reason: _plain(labels.get(reason, reason)) for reason in reasons}
    with _drawing():
        fig = _figure(len(rows) + 2)
        ax = fig.add_subplot()
        names = [name for name, _cells in rows][::-1]
        left = [0] * len(names)
        hidden_by_name: dict[str, list[str]] = {}
        for i, reason in enumerate(reasons):
            values = []
            for name, cells in rows[::-1]:
                v = cells[f"not_reached_{reason}"]["value"]
                if _is_hidden(cells[f"not_reached_{reason}"]):
                    hidden_by_name.setdefault(name, []).append(labels.get(reason, reason))
                values.append(v or 0)
            if any(values):
                ax.barh(names, values, left=left, color=COLOURS[i % len(COLOURS)], label=labels.get(reason, reason))
                left = [a + b for a, b in zip(left, values)]
        # One entry per municipality, in the chart's order from the top.
        hidden = [f"{name} ({', '.join(hidden_by_name[name])})" for name, _cells in rows if name in hidden_by_name]
        ax.set_title(_("Redenen van niet-bereik per gemeente"), loc="left", fontsize=10)
        if not any(left):
            _nothing(ax, _why_empty(hidden, _("Niets te tonen: op deze peildatum telt geen kind als niet bereikt.")))
            _hidden_note(ax, hidden)
            return _svg(fig)
        ax.set_xlabel(_("Niet bereikt (aantal kinderen)"))
        _whole_numbers(ax.xaxis)
        # Outside the plot, on its right: it covers no bar, and the note of hidden cells below
        # the chart has the width to itself.
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7.5, borderaxespad=0)
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
        ax.set_title(_("Doelgroep volgens CBS en volgens JGZ"), loc="left", fontsize=10)
        hidden = [f"{n} (CBS)" for n, (_name, c) in zip(names, rows[::-1]) if _is_hidden(c["cbs_target_group"])] + \
                 [f"{n} (JGZ)" for n, (_name, c) in zip(names, rows[::-1]) if _is_hidden(c["target_group"])]
        if not any(cbs) and not any(jgz):
            _nothing(ax, _why_empty(hidden, _("Niets te tonen: er is geen CBS-cijfer ingevoerd en op deze peildatum "
                                              "is geen kind geïndiceerd.")))
            _hidden_note(ax, hidden[::-1])
            return _svg(fig)
        ax.barh([y + 0.2 for y in ys], [v or 0 for v in cbs], height=0.4, color=COLOURS[5], label="CBS")
        ax.barh([y - 0.2 for y in ys], [v or 0 for v in jgz], height=0.4, color=COLOURS[0], label=_("JGZ (geïndiceerd)"))
        ax.set_yticks(list(ys), names)
        ax.set_xlabel(_("Doelgroepkinderen"))
        _whole_numbers(ax.xaxis)
        _legend_above(ax, ncol=2)
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
        ax.set_title(_("Budget per doelgroepkind"), loc="left", fontsize=10)
        if not values:
            _nothing(ax, _why_empty(hidden, _("Niets te tonen: er is geen GOAB-budget ingevoerd voor dit jaar of "
                                              "op deze peildatum is er geen kind in de doelgroep.")))
            _hidden_note(ax, hidden)
            return _svg(fig)
        ax.barh(names[::-1], values[::-1], color=COLOURS[2])
        for y, v in enumerate(values[::-1]):
            ax.text(v, y, f" € {format_decimal(v, 0)}", va="center", fontsize=8)
        ax.set_xlabel(_("GOAB-budget per doelgroepkind (€)"))
        _whole_numbers(ax.xaxis)
        _hidden_note(ax, hidden)
        return _svg(fig)


def reach_title(target=100.0) -> str:
    return _("Bereik per gemeente tegen het doel van %(pct)s%%", pct=format(float(target), "g"))


def trend_chart(title: str, points: list[tuple]) -> str:
    """Reach over the reference dates of one municipality (or the region): ``points`` are
    ``(date, reach cell, target in force)``. A hidden reach is left out of the line (a gap) and
    named in the note; the target is drawn as it stood at each date."""
    title = _plain(title)
    with _drawing():
        fig = Figure(figsize=(7.5, 2.8))
        ax = fig.add_subplot()
        ax.set_title(_("Bereik van %(name)s per peildatum", name=title), loc="left", fontsize=10)
        days = [day for day, _cell, _target in points]
        values = [cell["value"] if cell["value"] is not None else float("nan") for _day, cell, _target in points]
        hidden = [format_day(day) for day, cell, _target in points if _is_hidden(cell)]
        if all(cell["value"] is None for _day, cell, _target in points):
            _nothing(ax, _why_empty(hidden, _("Niets te tonen: op deze peildata is er geen kind in de doelgroep.")))
            _hidden_note(ax, hidden)
            return _svg(fig)
        ax.plot(days, values, color=COLOURS[0], marker="o", linewidth=1.6, label=_("Bereik"))
        for day, v in zip(days, values):
            if v == v:   # not NaN: a shown reach gets its number
                ax.annotate(format_percent(v), (day, v), textcoords="offset points", xytext=(0, 6), ha="center",
                            fontsize=7.5)
        targets = [float(t) if t is not None else float("nan") for _day, _cell, t in points]
        if any(t == t for t in targets):
            ax.plot(days, targets, color=COLOURS[3], linestyle="--", linewidth=1.2, drawstyle="steps-post",
                    label=_("Doel"))
        ax.set_ylim(0, 115)
        ax.set_ylabel(_("Bereik (%)"))
        ax.set_xticks(days, [format_day(d) for d in days], rotation=45 if len(days) > 4 else 0,
                      ha="right" if len(days) > 4 else "center")
        if len(days) == 1:   # one date: a little room either side of the point
            ax.set_xlim(days[0] - dt.timedelta(days=30), days[0] + dt.timedelta(days=30))
        _legend_above(ax, ncol=2)
        _hidden_note(ax, hidden)
        return _svg(fig)
