"""Everyday reading (issue 13, points 4, 10, 11 and 13): one date format on every page and message,
the decimal sign of the reader's language, the parents' export in words, the public page's texts
and a publication that asks for confirmation first."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from toeleiding import clock
from toeleiding.extensions import db

from ..factories import ApiClient
from .conftest import text

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
# A date written as digits (06-08-2026, 2026-08-06, 6/8/2026): the pages never show one.
DIGIT_DATE = re.compile(r"\b\d{1,2}[-/]\d{1,2}[-/]\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def placed(app, client, world):
    """A child registered on 2 Mar 2026, indicated on 26 Feb, referred on 27 Feb and placed on 2 Mar."""
    app.config["CLOCK_NOW"] = T0
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    case = jgz.fire(jgz.register(given_name="Fenneke", birth_date="2023-01-15"), "indicate", criteria=["home_language"],
                    indication_date="2026-02-26")
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date="2026-02-27")
    ve = ApiClient.sign_in(client, world.emails["ve"])
    return ve.fire(case, "place", location_id=world.ids["loc"], start_date="2026-03-02", hours_per_week=16)


def _english(client):
    assert client.post("/taal/en").status_code == 302
    return client


def test_the_case_page_and_the_work_list_say_dates_one_way_in_each_language(web, placed):
    jgz, ve = web("jgz"), web("ve")
    for who, url in ((jgz, f"/dossiers/{placed['id']}"), (ve, "/werkvoorraad?lijst=all"), (ve, f"/dossiers/{placed['id']}")):
        page = text(who.get(url))
        assert "2 mrt 2026" in page, url
        assert not DIGIT_DATE.search(page), (url, DIGIT_DATE.search(page).group())
    page = text(jgz.get(f"/dossiers/{placed['id']}"))
    assert "26 feb 2026" in page and "27 feb 2026" in page
    english = _english(web("jgz"))
    page = text(english.get(f"/dossiers/{placed['id']}"))
    assert "Feb 26, 2026" in page and "26 feb 2026" not in page and not DIGIT_DATE.search(page)


def test_a_moment_is_shown_in_dutch_local_time(app):
    from toeleiding.dates import format_day, format_moment
    summer = dt.datetime(2026, 8, 6, 12, 5, tzinfo=dt.timezone.utc)       # CEST: 14:05
    winter = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.timezone.utc)    # CET: 00:30 the next day
    assert format_moment(summer, "nl") == "6 aug 2026 14:05" and format_moment(summer, "en") == "Aug 6, 2026, 14:05"
    assert format_moment(winter, "nl") == "1 jan 2027 00:30"
    assert format_moment(winter.replace(tzinfo=None), "nl") == "1 jan 2027 00:30"   # the database's naive UTC
    assert format_day(dt.date(2026, 3, 2), "nl") == "2 mrt 2026" and format_day("2026-03-02", "en") == "Mar 2, 2026"


def test_percentages_and_decimals_take_the_readers_decimal_sign(app):
    from toeleiding.numbers import format_decimal, format_percent
    assert format_percent(13.3, lang="nl") == "13,3%" and format_percent(13.3, lang="en") == "13.3%"
    assert format_decimal(12345.5, 1, "nl") == "12.345,5" and format_decimal(12345.5, 1, "en") == "12,345.5"
    assert format_percent(None) == ""
    with app.test_request_context("/"):
        from flask import render_template_string
        assert render_template_string("{{ 45.25|percent }} {{ 2.5|decimal }}") == "45,2% 2,5"


def test_the_monitor_page_shows_reach_with_a_comma_in_dutch_and_a_point_in_english(app, web, placed):
    admin = web("admin")
    page = admin.get("/monitor/?peildatum=2026-03-02")
    body = text(page)
    assert page.status_code == 200 and "peildatum 2 mrt 2026" in body
    assert re.search(r"\b\d{1,3},\d%", body) and not re.search(r"\b\d{1,3}\.\d%", body)
    english = text(_english(web("admin")).get("/monitor/?peildatum=2026-03-02"))
    assert re.search(r"\b\d{1,3}\.\d%", english) and not re.search(r"\b\d{1,3},\d%", english)
    # The API keeps its machine display.
    api = ApiClient.sign_in(app.test_client(), "admin@test.example")
    cells = api.get("/monitor?region=ijmond&peildatum=2026-03-02").json["total"]["cells"]
    assert cells["reach_pct"]["display"].endswith("%") and "," not in cells["reach_pct"]["display"]


def test_the_monitor_charts_label_percentages_in_the_readers_language(app):
    from toeleiding.monitor import charts
    cell = {"value": 12.5, "display": "12.5%"}
    row = {"reach_pct": cell}
    with app.test_request_context("/"):
        dutch = charts.reach_chart([("Beverwijk", row)])
    assert "12,5%" in dutch and "12.5%" not in dutch


def test_an_error_message_says_its_date_in_the_page_format(web, placed):
    admin = web("admin")
    r = admin.get("/monitor/?peildatum=1999-12-31")
    assert r.status_code == 422 and "1 jan 2000" in text(r) and "01-01-2000" not in text(r)
    english = _english(web("admin")).get("/monitor/?peildatum=1999-12-31")
    assert english.status_code == 422 and "Jan 1, 2000" in text(english)


def test_the_digest_email_says_its_day_in_the_page_format(app):
    from toeleiding.reminders.mail import digest_message
    with app.app_context():
        msg = digest_message("x@test.example", "JGZ", 2, dt.date(2026, 8, 6))
    assert "Op 6 aug 2026 staan" in msg.get_content()


def test_the_parents_overview_reads_as_sentences_with_names_and_dutch_dates(app, web, world, placed):
    jgz = web("jgz")
    page = jgz.get(f"/dossiers/{placed['id']}/inzage")
    body = text(page)
    assert page.status_code == 200
    # Names, not ids or codes.
    assert "Duinroos Centrum" in body and "Beverwijk" in body and "GM0375" not in body
    assert "location_id" not in body and "home_language" not in body and "transition:" not in body
    assert "Thuistaal" in body            # the criterion's label
    assert "Toestemming ouders" in body or "ja" in body
    assert "True" not in body and "None" not in body
    # Dutch dates, local time, a sentence per event.
    assert "Op 26 feb 2026 heeft" in body and "2 mrt 2026 10:00" in body
    assert "+00:00" not in body and not DIGIT_DATE.search(body)
    assert "JGZ van JGZ Testregio IJmond zette de stap ‘Indiceren’." in body
    # Still complete: every history event and every access-log row is there.
    data = jgz.get(f"/dossiers/{placed['id']}/inzage.json").json
    assert body.count("Vastgelegd op") == len(data["history"])
    assert body.count("2026 1") + body.count("2026 0") >= len(data["access_log"])
    # The download says the same in a file.
    download = jgz.get(f"/dossiers/{placed['id']}/inzage.txt")
    words = download.get_data(as_text=True)
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "Op 26 feb 2026 heeft" in words and "Duinroos Centrum" in words and "transition:" not in words
    english = text(_english(web("jgz")).get(f"/dossiers/{placed['id']}/inzage"))
    assert "On Feb 26, 2026" in english


def test_the_public_page_shows_the_municipalitys_own_text_and_no_criteria(app, web, world):
    anon = web()
    page = text(anon.get("/ve/GM0375"))
    assert "Thuistaal niet Nederlands" not in page and "Ouders laag opgeleid" not in page
    assert "Zo meldt u uw kind aan" in page and "Contact met de JGZ" in page and "Duinroos Centrum" in page
    admin = web("admin")
    listing = admin.get("/beheer/gemeenten")
    assert listing.status_code == 200 and "Beverwijk" in text(listing) and "Goes" not in text(listing)
    from toeleiding.organisations.models import Municipality
    with app.app_context():
        bev = db.session.scalar(select(Municipality.id).where(Municipality.code == "GM0375"))
        goes = db.session.scalar(select(Municipality.id).where(Municipality.code == "GM0664"))
    assert admin.get(f"/beheer/gemeenten/{goes}").status_code == 404    # another region's
    r = admin.post(f"/beheer/gemeenten/{bev}", {
        "public_intro": "In Beverwijk is VE gratis.",
        "public_apply": "Bel het consultatiebureau.\n\nOf vraag het bij de volgende afspraak.",
        "public_contact": "JGZ Kennemerland, 023 789 1630 <script>x</script>"})
    assert r.status_code == 302
    body = anon.get("/ve/GM0375").get_data(as_text=True)
    assert "In Beverwijk is VE gratis." in body and "Bel het consultatiebureau." in body
    assert "<p>Of vraag het bij de volgende afspraak.</p>" in body
    assert "JGZ Kennemerland, 023 789 1630" in body and "<script>x</script>" not in body
    too_long = admin.post(f"/beheer/gemeenten/{bev}", {"public_apply": "x" * 2001})
    assert too_long.status_code == 422 and "Hoogstens 2000 tekens" in text(too_long)
    assert "In Beverwijk is VE gratis." in anon.get("/ve/GM0375").get_data(as_text=True)   # nothing stored
    assert web("jgz").get("/beheer/gemeenten").status_code == 403


def test_publishing_asks_for_confirmation_naming_region_and_date(app, web, placed):
    admin = web("admin")
    monitor = admin.get("/monitor/?peildatum=2026-03-02")
    assert "/monitor/publiceren?peildatum=2026-03-02" in monitor.get_data(as_text=True)
    confirm = admin.get("/monitor/publiceren?peildatum=2026-03-02")
    page = text(confirm)
    assert confirm.status_code == 200 and "IJmond" in page and "2 mrt 2026" in page and "vast" in page
    # Without the tick nothing is published.
    r = admin.post("/monitor/publish", {"peildatum": "2026-03-02"})
    assert r.status_code == 422 and "Vink aan" in text(r)
    api = ApiClient.sign_in(app.test_client(), "admin@test.example")
    assert api.get("/monitor/publications?region=ijmond").json["items"] == []
    r = admin.post("/monitor/publish", {"peildatum": "2026-03-02", "confirm": "ja"})
    assert r.status_code == 302
    assert "De monitor op 2 mrt 2026 is gepubliceerd." in text(admin.get(r.location))
    assert [p["peildatum"] for p in api.get("/monitor/publications?region=ijmond").json["items"]] == ["2026-03-02"]
    # Asked again: already published, said so.
    again = admin.get("/monitor/publiceren?peildatum=2026-03-02")
    assert again.status_code == 302 and "al gepubliceerd" in text(admin.get(again.location))
    # The API's contract stays: one call publishes.
    assert api.post("/monitor/publications", {"region": "ijmond", "peildatum": "2026-02-28"}).status_code == 201
    assert web("gemeente").get("/monitor/publiceren?peildatum=2026-03-02").status_code == 403


def test_the_account_menu_links_the_two_factor_page(web):
    page = web("ve").get("/werkvoorraad").get_data(as_text=True)
    assert 'href="/account/tweestapsverificatie"' in page
