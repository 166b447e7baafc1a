"""A placement that starts later (issue 13, point 5): the case reads "Geplaatst per <datum>", and a
handover before that date is refused in words that say why, at the date's field."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding import clock

from ..factories import HANDOVER_FORM, HANDOVER_FORM_WEB, days_ago
from .conftest import text


@pytest.fixture
def placed_later(api, world):
    jgz, ve = api("jgz"), api("ve")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(20))
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(15))
    return ve.fire(case, "place", start_date=days_ago(-10), hours_per_week=16)


def _head(body: str) -> str:
    return text_of_html(body.split('class="case-head__state"', 1)[1].split("</p>", 1)[0])


def text_of_html(html: str) -> str:
    import html as html_lib
    import re
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_a_future_start_reads_per_and_a_past_one_sinds(web, api, world, placed_later):
    head = _head(web("ve").get(f"/dossiers/{placed_later['id']}").get_data(as_text=True))
    assert head.startswith("> Geplaatst per "), head
    assert "sinds" not in head
    jgz = web("jgz")
    jgz.post("/taal/en", {"next": "/"})
    head = _head(jgz.get(f"/dossiers/{placed_later['id']}").get_data(as_text=True))
    assert "Placed from " in head, head
    # Once the start date has come, the usual wording.
    case = api("jgz").register()
    case = api("jgz").fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(2))
    head = _head(web("jgz").get(f"/dossiers/{case['id']}").get_data(as_text=True))
    assert "sinds" in head and " per " not in head


def test_a_handover_before_the_start_says_why_at_its_field(web, api, world, placed_later):
    start = clock.today() + dt.timedelta(days=10)
    ve = web("ve")
    r = ve.post(f"/dossiers/{placed_later['id']}/acties/hand_over_to_school",
                {"version": placed_later["version"], "school_id": str(world.ids["school"]), "handover_date": days_ago(0),
                 **HANDOVER_FORM_WEB})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    error = text_of_html(body.split('id="f-hand_over_to_school-handover_date-error"', 1)[1].split("</p>", 1)[0])
    assert "'Geplaatst' gaat pas in per" in error and "'Warme overdracht' kan pas vanaf die datum" in error, error
    assert str(start.year) in error and str(start.day) in error
    assert "vorige stap" not in error
    r = api("ve").post(f"/cases/{placed_later['id']}/transitions",
                       {"trigger": "hand_over_to_school", "version": placed_later["version"],
                        "data": {"school_id": world.ids["school"], "handover_date": days_ago(0), **HANDOVER_FORM}})
    assert r.status_code == 422 and r.json["error"]["field"] == "handover_date"
    assert "gaat pas in per" in r.json["error"]["message"]
    assert api("ve").get(f"/cases/{placed_later['id']}").json["version"] == placed_later["version"]
