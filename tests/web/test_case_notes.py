"""Notes on the case page and an explanation for every non-reach reason (issue 13, point 7)."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db

from ..db_fingerprint import fingerprint
from ..factories import days_ago
from .conftest import text


def history_text(response) -> str:
    return text(response).split("Geschiedenis", 1)[1]


def test_jgz_ve_and_cjg_add_a_note_that_shows_in_the_timeline(app, api, web, world):
    case = api("jgz").referred(world.ids["loc"])
    for who, note in [("jgz", "JGZ belt de ouders na het consult (testnotitie)."),
                      ("ve", "Intakegesprek gepland (testnotitie).")]:
        page = web(who)
        assert 'id="note-form"' in page.get(f"/dossiers/{case['id']}").get_data(as_text=True)
        r = page.post(f"/reminders/dossiers/{case['id']}/notities", {"text": note})
        assert r.status_code == 302 and f"/dossiers/{case['id']}" in r.location
        assert "Notitie opgeslagen." in text(page.get(r.location))
    shown = history_text(web("jgz").get(f"/dossiers/{case['id']}"))
    assert "JGZ belt de ouders na het consult (testnotitie)." in shown and "Intakegesprek gepland (testnotitie)." in shown
    # Newest first, like the history: the VE's note, then the JGZ's, then the referral.
    assert shown.index("Intakegesprek") < shown.index("JGZ belt") < shown.index("Toeleiden")
    with app.app_context():
        actions = [a for a, in db.session.execute(select(AccessLogEntry.action).where(
            AccessLogEntry.case_id == uuid.UUID(case["id"])))]
    assert actions.count("case_note") == 2


def test_the_cjg_adds_a_note_to_a_child_it_follows(api, web):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    case = jgz.fire(case, "report_not_reached", reason="no_contact", date=days_ago(3))
    cjg = web("cjg")
    r = cjg.post(f"/reminders/dossiers/{case['id']}/notities", {"text": "Huisbezoek afgesproken (testnotitie)."})
    assert r.status_code == 302
    assert "Huisbezoek afgesproken (testnotitie)." in history_text(web("jgz").get(f"/dossiers/{case['id']}"))


def test_outside_the_scope_or_role_no_note_is_read_or_added(api, web, world):
    case = api("jgz").referred(world.ids["loc"])
    web("ve").post(f"/reminders/dossiers/{case['id']}/notities", {"text": "Van de aanbieder (testnotitie)."})
    for who in ("ve2", "cjg"):   # not in their scope: 404, nothing of it shown
        r = web(who).get(f"/dossiers/{case['id']}")
        assert r.status_code == 404 and "testnotitie" not in r.get_data(as_text=True)
        assert web(who).post(f"/reminders/dossiers/{case['id']}/notities", {"text": "x"}).status_code == 404
    assert web("gemeente").post(f"/reminders/dossiers/{case['id']}/notities", {"text": "x"}).status_code == 403


def test_a_provider_the_child_left_reads_notes_up_to_then_and_may_not_add(api, web, world):
    jgz = api("jgz")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=20)
    web("ve").post(f"/reminders/dossiers/{case['id']}/notities", {"text": "Voor de overstap (testnotitie)."})
    case = jgz.fire(jgz.get(f"/cases/{case['id']}").json, "report_not_reached", reason="no_contact", date=days_ago(10))
    case = jgz.fire(case, "re_refer", location_id=world.ids["loc2"], consent=True, referral_date=days_ago(9))
    r = web("ve2").post(f"/reminders/dossiers/{case['id']}/notities", {"text": "Na de overstap (testnotitie)."})
    assert r.status_code == 302
    assert "Na de overstap (testnotitie)." in text(web("jgz").get(f"/dossiers/{case['id']}"))
    former = web("ve")
    r = former.get(f"/dossiers/{case['id']}")
    assert "Voor de overstap (testnotitie)." in text(r) and "Na de overstap" not in text(r)
    assert 'id="note-form"' not in r.get_data(as_text=True)
    r = former.post(f"/reminders/dossiers/{case['id']}/notities", {"text": "Mag niet meer (testnotitie)."})
    assert "Mag niet meer" not in text(web("jgz").get(f"/dossiers/{case['id']}"))


def test_an_empty_note_is_refused_and_nothing_stored(app, api, web, world):
    case = api("jgz").referred(world.ids["loc"])
    page = web("jgz")
    before = fingerprint(app)
    r = page.post(f"/reminders/dossiers/{case['id']}/notities", {"text": "   "})
    assert r.status_code == 302 and "De notitie is leeg." in text(page.get(r.location))
    r = page.post(f"/reminders/dossiers/{case['id']}/notities", {"text": "x" * 2001})
    assert "De notitie is te lang" in text(page.get(r.location))
    assert fingerprint(app) == before


def test_a_note_in_english(api, web, world):
    case = api("jgz").referred(world.ids["loc"])
    page = web("jgz")
    page.post("/taal/en")
    assert "Add a note" in text(page.get(f"/dossiers/{case['id']}"))
    r = page.post(f"/reminders/dossiers/{case['id']}/notities", {"text": "In English (test note)."})
    shown = text(page.get(r.location))
    assert "Note saved." in shown and "In English (test note)." in shown


def test_every_non_reach_reason_takes_an_explanation(api, web):
    jgz_api = api("jgz")
    case = jgz_api.fire(jgz_api.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    page = web("jgz").get(f"/dossiers/{case['id']}").get_data(as_text=True)
    form = page.split('report_not_reached', 1)[1].split("</form>", 1)[0]
    assert 'name="reason_text"' in form
    field = form.split('name="reason_text"', 1)[0].rsplit('<div class="field', 1)[1]
    assert "data-show-when" not in field   # offered with every reason, not only "other"
    wf = jgz_api.get("/workflow").json
    reasons = [r for r in wf["reasons"] if r != "other"]
    case = jgz_api.fire(case, "report_not_reached", reason=reasons[0], date=days_ago(1),
                        reason_text="Gezin verhuist binnenkort (testtoelichting).")
    assert "Gezin verhuist binnenkort (testtoelichting)." in history_text(web("jgz").get(f"/dossiers/{case['id']}"))
    # "other" still needs its explanation.
    other = jgz_api.fire(jgz_api.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    r = jgz_api.post(f"/cases/{other['id']}/transitions", {"trigger": "report_not_reached", "version": other["version"],
                                                           "data": {"reason": "other", "date": days_ago(1)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "reason_text"


def test_the_api_adds_the_same_notes(api, web, world):
    case = api("jgz").referred(world.ids["loc"])
    r = api("ve").post(f"/cases/{case['id']}/notes", {"text": "Via de API (testnotitie)."})
    assert r.status_code == 201 and r.json["case_id"] == case["id"], r.json
    assert "Via de API (testnotitie)." in history_text(web("jgz").get(f"/dossiers/{case['id']}"))
    r = api("ve").post(f"/cases/{case['id']}/notes", {"text": ""})
    assert r.status_code == 422 and r.json["error"]["field"] == "text"
    assert api("ve2").post(f"/cases/{case['id']}/notes", {"text": "x"}).status_code == 404
    assert api("gemeente").post(f"/cases/{case['id']}/notes", {"text": "x"}).status_code == 404
