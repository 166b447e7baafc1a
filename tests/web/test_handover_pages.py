"""The warm handover on the pages (issue 11.6): the provider's form, the school's work list and
case page (the handover only), its receipt, and the printable handover for the school's file."""
from __future__ import annotations

import pytest

from ..factories import HANDOVER_FORM_WEB, days_ago
from .conftest import text


@pytest.fixture
def placed(api, world):
    case = api("jgz").referred(world.ids["loc"], indicated_days_ago=200)
    return api("ve").fire(case, "place", start_date=days_ago(150), hours_per_week=16)


@pytest.fixture
def handed_over(web, world, placed):
    """Handed over through the provider's form on the case page."""
    r = web("ve").post(f"/dossiers/{placed['id']}/acties/hand_over_to_school",
                       {"version": placed["version"], "school_id": str(world.ids["school"]),
                        "handover_date": days_ago(1), **HANDOVER_FORM_WEB})
    assert r.status_code == 302, text(r)[:500]
    return placed


def test_the_providers_form_asks_for_consent_and_the_content(web, placed):
    body = web("ve").get(f"/dossiers/{placed['id']}").get_data(as_text=True)
    form = body.split('id="actie-hand_over_to_school"', 1)[1].split("</form>", 1)[0]
    for name in ("school_id", "handover_date", "handover_consent", "development_summary", "concerns",
                 "professionals_involved", "ve_programme", "hours_attended", "parents_reaction"):
        assert f'name="{name}"' in form, name
    assert "Piramide" in form and "De ouders geven toestemming voor de overdracht aan school" in form


def test_an_unticked_consent_is_422_beside_its_field_and_nothing_is_stored(web, api, world, placed):
    form = {**HANDOVER_FORM_WEB, "school_id": str(world.ids["school"]), "handover_date": days_ago(1)}
    del form["handover_consent"]
    form["development_summary"] = ""
    r = web("ve").post(f"/dossiers/{placed['id']}/acties/hand_over_to_school", {"version": placed["version"], **form})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    consent = body.split('id="f-hand_over_to_school-handover_consent-error"', 1)[1][:300]
    assert "Zonder toestemming van de ouders kan de overdracht aan school niet doorgaan." in consent
    summary = body.split('id="f-hand_over_to_school-development_summary-error"', 1)[1][:300]
    assert "Ontwikkeling van het kind is verplicht." in summary
    assert api("ve").get(f"/cases/{placed['id']}").json["state"] == "placed"


def test_the_school_sees_the_child_in_its_work_list_and_only_what_it_may_use(web, handed_over):
    school = web("school")
    page = school.get("/werkvoorraad")
    assert page.status_code == 200
    shown = text(page)
    assert "Overdrachten, nog te bevestigen" in shown and "Testkind Fictiefsma" in shown
    nav = page.get_data(as_text=True).split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert "Werkvoorraad" in nav
    for other in ("Zoeken", "Kind registreren", "Herinneringen", "Bereik-overleg", "Monitor", "Beheer"):
        assert other not in nav, other
    assert school.get("/zoeken").status_code == 403
    assert school.get(f"/dossiers/{handed_over['id']}/wijzigen").status_code == 403


def test_the_schools_case_page_is_the_handover_without_bsn_address_or_parents(web, api, handed_over):
    bsn = api("jgz").get(f"/cases/{handed_over['id']}").json["child"]["bsn"]
    page = web("school").get(f"/dossiers/{handed_over['id']}")
    assert page.status_code == 200
    shown = text(page)
    assert "Warme overdracht: Testkind Fictiefsma" in shown
    assert HANDOVER_FORM_WEB["development_summary"] in shown and "Piramide" in shown and "880" in shown
    assert bsn not in shown and "1941 AB" not in shown and "Ouder Fictief" not in shown
    assert "Plaatsen" not in shown and "Toeleiden" not in shown   # no other step of the child's path
    assert 'id="actie-acknowledge_handover"' in page.get_data(as_text=True)


def test_the_school_acknowledges_receipt_on_its_page(web, api, handed_over):
    school = web("school")
    school.get(f"/dossiers/{handed_over['id']}")
    version = api("ve").get(f"/cases/{handed_over['id']}").json["version"]
    bad = school.post(f"/dossiers/{handed_over['id']}/acties/acknowledge_handover",
                      {"version": version, "received_date": "gisteren"})
    assert bad.status_code == 422
    assert 'id="f-acknowledge_handover-received_date-error"' in bad.get_data(as_text=True)
    r = school.post(f"/dossiers/{handed_over['id']}/acties/acknowledge_handover",
                    {"version": version, "received_date": days_ago(0)})
    assert r.status_code == 302
    assert api("ve").get(f"/cases/{handed_over['id']}").json["state"] == "handover_received"
    assert "Ontvangst bevestigen" in text(school.get(f"/dossiers/{handed_over['id']}"))
    assert "Testkind" in text(school.get("/werkvoorraad?lijst=received"))


def test_the_printable_handover_for_the_school_and_the_provider(web, api, world, handed_over, placed):
    for who in ("school", "ve", "jgz"):
        page = web(who).get(f"/dossiers/{handed_over['id']}/overdracht")
        assert page.status_code == 200, who
        shown = text(page)
        assert "Basisschool De Kievit (test)" in shown and HANDOVER_FORM_WEB["concerns"] in shown
        assert "Afgedrukt op" in shown
        assert "Geschiedenis" not in shown   # the handover only, also for those who may read more
    assert f'href="/dossiers/{handed_over["id"]}/overdracht"' in web("ve").get(f"/dossiers/{handed_over['id']}").get_data(as_text=True)
    static = web(None).get("/static/css/app.css")
    css = static.get_data(as_text=True)
    static.close()
    assert "@media print" in css and ".handover" in css
    # No handover: nothing to print; another school, another region: not found.
    other = api("ve").fire(api("jgz").referred(world.ids["loc"]), "place", start_date=days_ago(1), hours_per_week=16)
    assert web("ve").get(f"/dossiers/{other['id']}/overdracht").status_code == 404
    assert web("school").get(f"/dossiers/{other['id']}/overdracht").status_code == 404
    assert web("school_bev").get(f"/dossiers/{handed_over['id']}/overdracht").status_code == 404
    assert web("gemeente").get(f"/dossiers/{handed_over['id']}/overdracht").status_code == 403


def test_the_handover_pages_in_english(web, handed_over):
    school = web("school")
    school.post("/taal/en", {"next": "/werkvoorraad"})
    shown = text(school.get(f"/dossiers/{handed_over['id']}"))
    assert "Warm handover: Testkind Fictiefsma" in shown and "Concerns and points of attention" in shown
    assert "Acknowledge receipt" in shown and "Printable handover" in shown
    assert "Handovers to acknowledge" in text(school.get("/werkvoorraad"))
    printed = text(school.get(f"/dossiers/{handed_over['id']}/overdracht"))
    assert "Printed on" in printed and "VE programme followed" in printed
