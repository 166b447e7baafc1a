"""Where each role lands after sign-in and on /, and the work list's hint when a tab and a status
filter exclude each other (issue 13, point 9)."""
from __future__ import annotations

from ..factories import PASSWORD
from .conftest import WebClient, text


def _landing(app, world, who) -> tuple[str, str]:
    c = WebClient(app)
    c.get("/aanmelden")
    r = c.post("/aanmelden", {"email": world.emails[who], "password": PASSWORD})
    assert r.status_code == 302
    return r.location, c.get("/").location


def test_municipal_users_land_on_the_monitor(app, world):
    assert _landing(app, world, "gemeente") == ("/monitor/", "/monitor/")
    page = WebClient(app).sign_in(world.emails["gemeente"]).get("/monitor/")
    assert page.status_code == 200


def test_other_roles_land_where_they_did(app, world):
    assert _landing(app, world, "jgz") == ("/werkvoorraad", "/werkvoorraad")
    assert _landing(app, world, "cjg") == ("/werkvoorraad", "/werkvoorraad")
    assert _landing(app, world, "admin")[0] == "/beheer"


def test_a_next_address_still_wins_for_municipal_users(app, world):
    c = WebClient(app)
    c.get("/aanmelden?next=/werkvoorraad")
    r = c.post("/aanmelden?next=/werkvoorraad", {"email": world.emails["gemeente"], "password": PASSWORD})
    assert r.location == "/werkvoorraad"


def test_a_tab_and_a_status_that_exclude_each_other_say_so(api, web):
    api("jgz").register()
    jgz = web("jgz")
    r = jgz.get("/werkvoorraad?lijst=to_refer&status=placed")
    assert r.status_code == 200
    page = text(r)
    assert "De lijst ‘Geïndiceerd, nog niet toegeleid’ bevat nooit kinderen met de status ‘Geplaatst’" in page
    html = r.get_data(as_text=True)
    assert 'href="/werkvoorraad?lijst=to_refer"' in html
    assert 'href="/werkvoorraad?lijst=all&amp;status=placed"' in html
    assert "Geen kinderen in deze lijst" not in page
    # A status the list can hold: an empty list is simply empty.
    r = jgz.get("/werkvoorraad?lijst=to_refer&status=indicated")
    assert "sluiten elkaar uit" not in text(r) and "Geen kinderen in deze lijst" in text(r)
    # The "all" list holds every state: never the hint.
    assert "sluiten elkaar uit" not in text(jgz.get("/werkvoorraad?lijst=all&status=placed"))


def test_the_hint_in_english(api, web):
    jgz = web("jgz")
    jgz.post("/taal/en", {"next": "/werkvoorraad"})
    page = text(jgz.get("/werkvoorraad?lijst=to_refer&status=placed"))
    assert "never holds children with the status" in page and "exclude each other" in page
