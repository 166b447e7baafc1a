"""The monitor's charts draw every name and label as the literal text it is: a region's own
non-reach category or a municipality named with ``$``, ``\\``, ``_``, ``^``, ``{}``, ``%``, emoji,
right-to-left script, control characters or 500 characters never breaks the page (issue #14.1)."""
from __future__ import annotations

import base64
import io
import itertools
import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toeleiding.extensions import db
from toeleiding.monitor import charts
from toeleiding.organisations.models import Municipality

from .factories import days_ago
from .test_monitor_outputs import _browser

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NASTY = {
    "dollar": "$",
    "dollars": "Kosten $5 tot $10",
    "broken_mathtext": "$^$",
    "unknown_command": r"Ouders $\foo$ werken",
    "open_brace": "${$",
    "backslash": "a\\b\\",
    "underscore": "_eigen_reden",
    "caret_braces": "a^b {c} }{",
    "percent": "100% %(x)s %s %%",
    "emoji": "Ouders 😀 👨‍👩‍👧",
    "rtl": "עברית العربية",
    "long": "lang " * 100,
    "control": "a\x07b\x1bc",
    "bidi": "\u202eabc\u2066d",
    "markup": "<b>&amp;</b>",
}


def _cell(value, display=None):
    return {"value": value, "display": str(value) if display is None else display}


def _cells():
    return {"reach_pct": _cell(50.0), "not_reached_other": _cell(3), "not_reached_own": _cell(None, "<10"),
            "cbs_target_group": _cell(None, "<10"), "target_group": _cell(12), "budget_per_target_child": _cell(1000)}


def _shown(label: str) -> str:
    """What a chart should show of a label, without whitespace (lines may wrap): the label without
    invisible controls, and at most the start of a long one."""
    visible = "".join(c for c in label if unicodedata.category(c) not in ("Cc", "Cf"))
    return "".join(visible.split())[:40]


def _text_of(svg: str) -> str:
    """The SVG's text, whitespace and invisible controls removed; parsing it proves it is valid XML."""
    text = "".join(ET.fromstring(svg).itertext())
    return "".join(c for c in "".join(text.split()) if unicodedata.category(c) not in ("Cc", "Cf"))


CHARTS = {
    "reach": lambda name, label: charts.reach_chart([(name, _cells()), ("Heemskerk", _cells())]),
    "reasons": lambda name, label: charts.reasons_chart([(name, _cells())], ["other", "own"],
                                                        {"other": label, "own": label}),
    "cbs_jgz": lambda name, label: charts.cbs_jgz_chart([(name, _cells())]),
    "budget": lambda name, label: charts.budget_chart([(name, _cells())]),
}


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("label", NASTY.values(), ids=NASTY.keys())
def test_every_chart_draws_a_nasty_name_literally(app, chart, label):
    with app.test_request_context():
        svg = CHARTS[chart](label, label)
    assert svg.startswith("<svg")
    assert not any(c in BIDI_CONTROLS or (unicodedata.category(c) == "Cc" and c not in "\n\t") for c in svg)
    text = _text_of(svg)
    assert _shown(label) in text, (label, text[:300])
    if chart == "reasons":   # drawn in the legend and, for the hidden cell, in the note
        assert text.count(_shown(label)) >= 3


def test_a_long_name_is_cut_in_the_chart(app):
    with app.test_request_context():
        text = _text_of(charts.reach_chart([("x" * 500, _cells())]))
    assert "x" * 59 + "…" in text and "x" * 61 not in text


# --- the monitor page and the downloads, through HTTP --------------------------------------

def _chart_texts(response) -> str:
    html = response.get_data(as_text=True)
    svgs = [base64.b64decode(b).decode() for b in re.findall(r'data:image/svg\+xml;base64,([^"]+)', html)]
    assert len(svgs) == 4
    return "".join(_text_of(svg) for svg in svgs)


@pytest.fixture
def other_report(api):
    """Twelve indicated children in Beverwijk, one of them not reached for reason 'other'."""
    jgz = api("jgz")
    cases = [jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(30))
             for _ in range(12)]
    jgz.fire(cases[0], "report_not_reached", reason="other", reason_text="Werkt in ploegendienst.", date=days_ago(5))
    return api("cjg").get("/monitor/other?region=ijmond").json["items"][0]["event_id"]


_codes = itertools.count(1)


def _recode_into_category(api, event_id: int, label: str):
    """A category of the region with this label, and the 'other' report recoded into it."""
    cjg, code = api("cjg"), f"eigen_{next(_codes)}"
    r = cjg.post("/monitor/categories", {"region": "ijmond", "code": code, "label": label})
    if r.status_code == 422:
        assert r.json["error"]["field"] == "label", r.json
        return None
    assert r.status_code == 201, r.json
    assert cjg.post("/monitor/recodings", {"event_id": event_id, "category": code}).status_code == 200
    return r.json["label"]


def _publish_today(api) -> None:
    """Non-admins read the live monitor only at past month ends or published dates (README,
    *Reference dates*): the admin publishes today, so the page of today is theirs to read."""
    r = api("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": days_ago(0)})
    assert r.status_code in (201, 409), r.json


def test_the_monitor_page_answers_200_with_a_mathtext_category_label(app, api, other_report):
    label = r"Werktijden $^$ $\foo$ {a}_b 100% 😀 עברית"
    assert _recode_into_category(api, other_report, label) == label
    _publish_today(api)
    for who in ("gemeente", "cjg", "admin"):   # hidden as <10 (named in the note), or a bar in the legend
        page = _browser(app, f"{who}@test.example").get(f"/monitor/?peildatum={days_ago(0)}")
        assert page.status_code == 200, who
        assert _shown(label) in _chart_texts(page), who


def test_a_municipality_name_with_mathtext_and_controls_breaks_no_page_nor_download(app, api, other_report):
    with app.app_context():
        db.session.get(Municipality, db.session.query(Municipality.id).filter_by(code="GM0396").scalar()).name = \
            "\x07=HYPERLINK(\"http://x\") $^$"
        db.session.commit()
    _publish_today(api)
    c = _browser(app, "gemeente@test.example")
    page = c.get(f"/monitor/?peildatum={days_ago(0)}")
    assert page.status_code == 200 and '=HYPERLINK("http://x")$^$' in _chart_texts(page)
    assert c.get(f"/monitor/monitor.csv?peildatum={days_ago(0)}").status_code == 200
    x = c.get(f"/monitor/monitor.xlsx?peildatum={days_ago(0)}")
    assert x.status_code == 200
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(x.get_data()))
    names = [row[3].value for row in wb["monitor"].iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\") $^$" in names   # the control character gone, the formula still guarded
    assert all(cell.data_type != "f" for sheet in wb for row in sheet.iter_rows() for cell in row)


# Text heavy in what matplotlib, XML and spreadsheets read specially; NUL is refused (400) for every route.
LABELS = st.text(st.one_of(st.sampled_from("$\\_^{}%&<>\"'=@\t\r\n\u202e\u2066\x07 "),
                           st.characters(blacklist_characters="\x00")), min_size=1, max_size=40)


@settings(max_examples=20, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(label=LABELS)
def test_any_category_label_leaves_the_monitor_page_working(app, api, other_report, label):
    _recode_into_category(api, other_report, label)
    _publish_today(api)
    page = _browser(app, "gemeente@test.example").get(f"/monitor/?peildatum={days_ago(0)}")
    assert page.status_code == 200
