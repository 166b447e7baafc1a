"""The edit page (issue 13, point 1): JGZ corrects the child and parents and records a move, the CJG
completes the parents' contact details; errors at their field; English as Dutch."""
from __future__ import annotations

import re

from ..db_fingerprint import fingerprint
from ..factories import days_ago, make_bsn
from .conftest import text


def form_of(page: str) -> dict:
    """The correction form's fields as the page fills them in (inputs with a value)."""
    form = page.split('id="correct-form"', 1)[1].split("</form>", 1)[0]
    return {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
            if m.group(1) != "csrf_token"}


def stuck(api):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    return jgz.fire(case, "report_not_reached", reason="no_contact", date=days_ago(3))


def test_jgz_corrects_a_name_from_the_case_page(api, web):
    case = api("jgz").register()
    jgz = web("jgz")
    page = jgz.get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert f'href="/dossiers/{case["id"]}/wijzigen"' in page
    r = jgz.get(f"/dossiers/{case['id']}/wijzigen")
    assert r.status_code == 200
    values = form_of(r.get_data(as_text=True))
    assert values["family_name"] == "Fictiefsma" and values["parent0_name"] == "Ouder Fictief"
    assert values["version"] == str(case["version"])
    r = jgz.post(f"/dossiers/{case['id']}/wijzigen", {**values, "family_name": "Fictiefstra"})
    assert r.status_code == 302 and r.location.endswith(f"/dossiers/{case['id']}")
    shown = text(jgz.get(r.location))
    assert "De gegevens zijn gecorrigeerd." in shown and "Testkind Fictiefstra" in shown
    assert "Gegevens gecorrigeerd" in shown and "Gewijzigd Achternaam" in shown   # the timeline: which field
    assert api("jgz").get(f"/cases/{case['id']}").json["version"] == case["version"] + 1


def test_errors_are_shown_at_their_field_and_nothing_is_stored(app, api, web):
    case = api("jgz").register()
    jgz = web("jgz")
    values = form_of(jgz.get(f"/dossiers/{case['id']}/wijzigen").get_data(as_text=True))
    before = fingerprint(app)
    for field, bad in [("bsn", "123456789"), ("postcode", "12"), ("given_name", ""), ("parent0_phone", "bel me")]:
        r = jgz.post(f"/dossiers/{case['id']}/wijzigen", {**values, field: bad})
        body = r.get_data(as_text=True)
        assert r.status_code == 422, field
        assert f'id="f-{field}-error"' in body and f'href="#f-{field}"' in body, field   # at the field, in the summary
        assert f'value="{bad}"' in body or bad == ""   # what was typed stays
    assert fingerprint(app) == before


def test_a_bsn_of_another_open_case_is_refused_at_the_bsn_field(api, web):
    jgz_api = api("jgz")
    first, second = jgz_api.register(), jgz_api.register()
    jgz = web("jgz")
    values = form_of(jgz.get(f"/dossiers/{second['id']}/wijzigen").get_data(as_text=True))
    r = jgz.post(f"/dossiers/{second['id']}/wijzigen", {**values, "bsn": first["child"]["bsn"]})
    assert r.status_code == 422 and 'id="f-bsn-error"' in r.get_data(as_text=True)
    assert "al een ander open dossier" in text(r)


def test_a_stale_form_is_409_and_keeps_what_was_typed(api, web):
    jgz_api = api("jgz")
    case = jgz_api.register()
    jgz = web("jgz")
    values = form_of(jgz.get(f"/dossiers/{case['id']}/wijzigen").get_data(as_text=True))
    jgz_api.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(2))
    r = jgz.post(f"/dossiers/{case['id']}/wijzigen", {**values, "given_name": "Tessa"})
    assert r.status_code == 409 and "Iemand anders heeft dit dossier intussen gewijzigd" in text(r)
    again = form_of(r.get_data(as_text=True))
    assert again["given_name"] == "Tessa" and again["version"] == str(case["version"] + 1)
    assert jgz.post(f"/dossiers/{case['id']}/wijzigen", again).status_code == 302


def test_cjg_completes_contact_details_but_sees_no_child_fields(api, web):
    case = stuck(api)
    cjg = web("cjg")
    assert f'href="/dossiers/{case["id"]}/wijzigen"' in cjg.get(f"/dossiers/{case['id']}").get_data(as_text=True)
    page = cjg.get(f"/dossiers/{case['id']}/wijzigen").get_data(as_text=True)
    assert 'name="bsn"' not in page and 'name="family_name"' not in page and 'name="parent0_name"' not in page
    assert 'id="move-form"' not in page   # a move is JGZ's
    values = form_of(page)
    r = cjg.post(f"/dossiers/{case['id']}/wijzigen", {**values, "parent0_email": "ouder@example.org",
                                                      "parent1_name": "Tweede Ouder", "parent1_phone": "0622222222"})
    assert r.status_code == 302
    parents = api("cjg").get(f"/cases/{case['id']}").json["parents"]
    assert parents[0] == {"name": "Ouder Fictief", "phone": "0612345678", "email": "ouder@example.org"}
    assert parents[1]["name"] == "Tweede Ouder"
    # A forged name field for a recorded parent is ignored (taken from the case).
    r = cjg.post(f"/dossiers/{case['id']}/wijzigen", {**form_of(cjg.get(f"/dossiers/{case['id']}/wijzigen")
                                                                 .get_data(as_text=True)), "parent0_name": "Vals"})
    assert api("cjg").get(f"/cases/{case['id']}").json["parents"][0]["name"] == "Ouder Fictief"


def test_the_page_is_refused_outside_the_roles_and_scope(api, web, world):
    case = api("jgz").referred(world.ids["loc"])
    assert web("ve").get(f"/dossiers/{case['id']}/wijzigen").status_code == 403
    assert web("cjg").get(f"/dossiers/{case['id']}/wijzigen").status_code == 404
    assert web("jgz_bev").get(f"/dossiers/{case['id']}/wijzigen").status_code == 404
    assert 'id="edit-link"' not in web("ve").get(f"/dossiers/{case['id']}").get_data(as_text=True)


def test_jgz_records_a_move_with_its_date(api, web):
    case = api("jgz").register()
    jgz = web("jgz")
    page = jgz.get(f"/dossiers/{case['id']}/wijzigen").get_data(as_text=True)
    version = form_of(page)["version"]
    assert 'value="GM0396"' in page and 'value="GM0375"' not in page.split('id="move-form"')[1]   # not where it lives
    r = jgz.post(f"/dossiers/{case['id']}/verhuizing", {"version": version, "move_municipality": "GM0396",
                                                        "move_effective_date": days_ago(0)})
    assert r.status_code == 302
    shown = text(jgz.get(r.location))
    assert "De verhuizing is vastgelegd." in shown and "Heemskerk" in shown
    assert "Verhuizing" in shown and "Van Beverwijk Naar Heemskerk" in shown   # the timeline: names, not codes
    assert api("jgz").get(f"/cases/{case['id']}").json["municipality"] == "GM0396"


def test_move_errors_are_at_their_field(app, api, web):
    case = api("jgz").register()
    jgz = web("jgz")
    version = form_of(jgz.get(f"/dossiers/{case['id']}/wijzigen").get_data(as_text=True))["version"]
    before = fingerprint(app)
    for data, field in [({"move_municipality": "", "move_effective_date": days_ago(0)}, "move_municipality"),
                        ({"move_municipality": "GM0396", "move_effective_date": ""}, "move_effective_date"),
                        ({"move_municipality": "GM0396", "move_effective_date": "2999-01-01"}, "move_effective_date")]:
        r = jgz.post(f"/dossiers/{case['id']}/verhuizing", {"version": version, **data})
        assert r.status_code == 422 and f'id="f-{field}-error"' in r.get_data(as_text=True), data
    assert fingerprint(app) == before


def test_the_page_and_its_errors_in_english(api, web):
    case = api("jgz").register()
    jgz = web("jgz")
    jgz.post("/taal/en")
    r = jgz.get(f"/dossiers/{case['id']}/wijzigen")
    shown = text(r)
    assert "Correct details" in shown and "Record a move" in shown and "date of birth cannot be corrected" in shown
    values = form_of(r.get_data(as_text=True))
    r = jgz.post(f"/dossiers/{case['id']}/wijzigen", {**values, "bsn": "123456789"})
    assert r.status_code == 422 and "BSN is invalid (it fails the eleven test)." in text(r)
    r = jgz.post(f"/dossiers/{case['id']}/wijzigen", {**values, "bsn": make_bsn()})
    assert "The details have been corrected." in text(jgz.get(r.location))
