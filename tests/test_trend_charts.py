"""The trend chart (issue 12.5): reach of one municipality over the reference dates, drawn from the
shown cells only; a hidden reach leaves a gap and is named under the chart; names drawn literally."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from toeleiding.monitor import charts

from .test_charts import NASTY, _shown, _text_of

DAYS = [dt.date(2025, 3, 31), dt.date(2025, 4, 30), dt.date(2025, 5, 31), dt.date(2025, 6, 30)]


def _cell(value, display=None):
    return {"value": value, "display": f"{value}%" if display is None else display}


def _points(*cells, target=90):
    return [(day, cell, target) for day, cell in zip(DAYS, cells)]


@pytest.mark.parametrize("name", NASTY.values(), ids=NASTY.keys())
def test_the_trend_chart_draws_a_nasty_name_literally(app, name):
    with app.test_request_context():
        svg = charts.trend_chart(name, _points(_cell(50.0), _cell(None, "x"), _cell(62.5), _cell(70.0)))
    assert svg.startswith("<svg")
    assert _shown(name) in _text_of(svg)


def test_a_hidden_reach_is_left_out_and_named_under_the_chart(app):
    with app.test_request_context():
        svg = charts.trend_chart("Beverwijk", _points(_cell(50.0), _cell(None, "x"), _cell(62.5), _cell(70.0)))
    text = _text_of(svg)
    assert "Bereikvan" in text and "Beverwijk" in text
    assert "Nietgetoond(verborgenkleineaantallen):30apr2025" in text
    assert "50,0%" in text and "62,5%" in text and "70,0%" in text
    ET.fromstring(svg)   # valid XML


def test_a_trend_with_every_reach_hidden_says_so_and_draws_no_axes(app):
    with app.test_request_context():
        svg = charts.trend_chart("Heemskerk", _points(*[_cell(None, "x")] * 4))
    text = _text_of(svg)
    assert "Nietstetonen" in text and "verborgen" in text
    assert 'id="axes_1"' not in svg or 'id="xtick_1"' not in svg


def test_a_trend_without_children_says_why_in_english_too(app):
    with app.test_request_context():
        dutch = _text_of(charts.trend_chart("Velsen", _points(*[_cell(None, "-")] * 4)))
    with app.test_request_context("/api/v1/monitor/trend", headers={"Accept-Language": "en"}):
        english = _text_of(charts.trend_chart("Velsen", _points(*[_cell(None, "-")] * 4)))
    assert "Nietstetonen" in dutch and "verborgen" not in dutch, dutch
    assert "Nothingtoshow" in english and "Velsen" in english, english


def test_one_date_is_drawn_with_room_around_it(app):
    with app.test_request_context():
        svg = charts.trend_chart("Goes", _points(_cell(40.0)))
    assert "40,0%" in _text_of(svg)
