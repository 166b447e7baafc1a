"""The case page: what each role sees, the timeline, the action forms and every kind of refusal."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from toeleiding.extensions import db

from ..factories import days_ago
from .conftest import text


def text_of(body: str, marker: str) -> str:
    """The text of the element that opens with ``marker`` (up to its closing div)."""
    part = body.split(marker, 1)[1].split(">", 1)[1]
    return text_from_html(part[:part.find("</div>\n")] if "</div>\n" in part else part)


def text_from_html(html: str) -> str:
    import html as html_lib
    import re
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def nldate(iso: str) -> str:
    """A date as the Dutch pages show it (3 mrt 2026)."""
    import datetime as dt
    months = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {months[d.month - 1]} {d.year}"


@pytest.fixture
def referred(api, world):
    jgz = api("jgz")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(20))
    return jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(15))


def _access_rows(app, case_id, result="allowed"):
    import uuid
    from toeleiding.audit.models import AccessLogEntry
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AccessLogEntry).where(
            AccessLogEntry.case_id == uuid.UUID(case_id), AccessLogEntry.result == result))


def test_jgz_sees_bsn_timeline_and_only_its_actions(web, referred, app):
    before = _access_rows(app, referred["id"])
    r = web("jgz").get(f"/dossiers/{referred['id']}")
    page = text(r)
    assert r.status_code == 200 and referred["child"]["bsn"] in page
    assert "Testkind Fictiefsma" in page and "Toegeleid" in page
    assert "Duinroos Centrum – Peuteropvang Duinroos (test)" in page
    assert "Thuistaal niet Nederlands" in page            # criteria shown by label in the timeline
    assert "Test jgz (JGZ, JGZ Testregio IJmond)" in page  # who, role, organisation
    body = r.get_data(as_text=True)
    assert 'id="actie-report_not_reached"' in body and 'id="actie-close"' in body
    assert 'id="actie-place"' not in body                  # the provider's action is not offered to JGZ
    assert _access_rows(app, referred["id"]) == before + 1  # the read is logged


def test_provider_does_not_see_the_bsn(web, referred):
    r = web("ve").get(f"/dossiers/{referred['id']}")
    assert r.status_code == 200 and referred["child"]["bsn"] not in r.get_data(as_text=True)
    assert 'id="actie-place"' in r.get_data(as_text=True)


def test_case_outside_scope_is_404_and_logged_as_denied(web, referred, app):
    for who in ("ve2", "cjg", "jgz_bev"):
        r = web(who).get(f"/dossiers/{referred['id']}")
        assert r.status_code == 404 and "Testkind" not in r.get_data(as_text=True)
    assert _access_rows(app, referred["id"], "denied") >= 3
    assert web("jgz").get("/dossiers/not-a-uuid").status_code == 404


def test_place_through_the_form(web, referred):
    ve = web("ve")
    r = ve.post(f"/dossiers/{referred['id']}/acties/place",
                {"version": referred["version"], "start_date": days_ago(5), "hours_per_week": "16", "location_id": ""})
    assert r.status_code == 302
    page = ve.get(r.location)
    assert "Opgeslagen: Plaatsen." in text(page) and "Geplaatst" in text(page)
    assert "Uren per week 16" in text(page)


@pytest.mark.parametrize("data,field,message", [
    ({"hours_per_week": "16"}, "start_date", "Startdatum is verplicht."),
    ({"start_date": "gisteren", "hours_per_week": "16"}, "start_date", "Ongeldige datum"),
    ({"start_date": days_ago(5), "hours_per_week": "zestien"}, "hours_per_week", "Vul een heel getal in."),
    ({"start_date": days_ago(5), "hours_per_week": "41"}, "hours_per_week", "Vul een getal van 1 tot en met 40 in."),
    ({"start_date": days_ago(-400), "hours_per_week": "16"}, "start_date", "te ver vooruit"),
    ({"start_date": days_ago(5), "hours_per_week": "16", "location_id": "999999"}, "location_id", "Onbekende VE-locatie"),
])
def test_bad_transition_input_is_shown_beside_its_field_and_kept(web, referred, data, field, message):
    ve = web("ve")
    r = ve.post(f"/dossiers/{referred['id']}/acties/place", {"version": referred["version"], **data})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    error_id = f"f-place-{field}-error"
    assert f'id="{error_id}"' in body and message in body.split(f'id="{error_id}"')[1][:300]
    assert f'aria-describedby="f-place-{field}-error"' in body or f'f-place-{field}-error"' in body
    assert '<details class="action" open id="actie-place">' in body
    if "hours_per_week" in data:
        assert f'value="{data["hours_per_week"]}"' in body   # what was typed is still there
    assert "Toegeleid" in text(ve.get(f"/dossiers/{referred['id']}"))   # nothing stored


def test_criteria_and_consent_come_back_as_typed(web, api):
    jgz_api = api("jgz")
    case = jgz_api.register()
    jgz = web("jgz")
    r = jgz.post(f"/dossiers/{case['id']}/acties/indicate",
                 {"version": case["version"], "criteria": ["home_language", "language_delay"], "indication_date": days_ago(-3)})
    assert r.status_code == 422 and "niet in de toekomst" in text(r)
    body = r.get_data(as_text=True)
    assert body.count("checked") >= 2
    r = jgz.post(f"/dossiers/{case['id']}/acties/indicate",
                 {"version": case["version"], "criteria": ["unknown_code"], "indication_date": days_ago(1)})
    assert r.status_code == 422 and "Onbekend criterium" in text(r)
    r = jgz.post(f"/dossiers/{case['id']}/acties/indicate", {"version": case["version"], "indication_date": days_ago(1)})
    assert r.status_code == 422 and "Criteria van de doelgroepdefinitie is verplicht." in text(r)


def test_refer_without_consent_says_why(web, api, world):
    jgz_api = api("jgz")
    case = jgz_api.fire(jgz_api.register(), "indicate", criteria=["home_language"], indication_date=days_ago(5))
    r = web("jgz").post(f"/dossiers/{case['id']}/acties/refer",
                        {"version": case["version"], "location_id": str(world.ids["loc"]), "referral_date": days_ago(1)})
    assert r.status_code == 422 and "Zonder toestemming van de ouders" in text(r)


def test_other_reason_needs_its_text(web, referred):
    ve = web("ve")
    url = f"/dossiers/{referred['id']}/acties/report_not_reached"
    r = ve.post(url, {"version": referred["version"], "reason": "other", "date": days_ago(1)})
    assert r.status_code == 422 and 'id="f-report_not_reached-reason_text-error"' in r.get_data(as_text=True)
    r = ve.post(url, {"version": referred["version"], "reason": "nonsense", "date": days_ago(1)})
    assert r.status_code == 422 and "Kies een van" in text(r)
    r = ve.post(url, {"version": referred["version"], "reason": "other", "reason_text": "Gezin verhuisd naar het buitenland (test).",
                      "date": days_ago(1)})
    assert r.status_code == 302


def test_stale_version_shows_fresh_state_and_keeps_what_was_typed(web, referred, api):
    ve = web("ve")
    stale_version = referred["version"]
    api("jgz").fire(referred, "report_not_reached", reason="no_contact", date=days_ago(2))   # someone else acts first
    r = ve.post(f"/dossiers/{referred['id']}/acties/place",
                {"version": stale_version, "start_date": days_ago(1), "hours_per_week": "13"})
    assert r.status_code == 409
    page = text(r)
    assert "Iemand anders heeft dit dossier intussen gewijzigd" in page and "Niet bereikt" in page
    # Placing is no longer offered, so there is no form to put the values back in: they are shown
    # read-only in the conflict notice instead of being lost.
    body = r.get_data(as_text=True)
    assert 'id="actie-place"' not in body
    notice = text_of(body, 'id="notice"')
    assert "Wat u had ingevuld (niet opgeslagen)" in notice
    assert "Uren per week 13" in notice
    assert f"Startdatum {nldate(days_ago(1))}" in notice
    assert "Plaatsen' kan nu niet meer" in notice


def test_stale_version_with_the_action_gone_english(web, referred, api):
    ve = web("ve")
    with ve.client.session_transaction() as session:   # as the language switch leaves it
        session["lang"] = "en"
    api("jgz").fire(referred, "report_not_reached", reason="no_contact", date=days_ago(2))
    r = ve.post(f"/dossiers/{referred['id']}/acties/place",
                {"version": referred["version"], "start_date": days_ago(1), "hours_per_week": "13"})
    assert r.status_code == 409
    notice = text_of(r.get_data(as_text=True), 'id="notice"')
    assert "What you had entered (not saved)" in notice and "Hours a week 13" in notice


def test_stale_version_with_action_still_possible_keeps_values(web, referred, api):
    ve = web("ve")
    jgz_api = api("jgz")
    # A change that leaves the case referred: closing is not it, so move on and back through the API.
    case = jgz_api.fire(referred, "report_not_reached", reason="no_contact", date=days_ago(10))
    case = jgz_api.fire(case, "re_refer", location_id=referred["location_id"], consent=True, referral_date=days_ago(9))
    r = ve.post(f"/dossiers/{referred['id']}/acties/place",
                {"version": referred["version"], "start_date": days_ago(1), "hours_per_week": "12"})
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert '<details class="action" open id="actie-place">' in body and 'value="12"' in body
    assert f'name="version" value="{case["version"]}"' in body   # the form now carries the fresh version
    assert "niet opgeslagen" not in body   # the values are in the form, not repeated in the notice


@pytest.mark.parametrize("who,trigger,status", [
    ("jgz", "place", 403),          # a role that may never place
    ("ve", "indicate", 403),
    ("ve", "re_refer", 403),        # the provider may never refer again
    ("ve", "hand_over_to_school", 409),   # the provider's action, but not possible from referred
    ("jgz", "indicate", 409),       # not possible from referred
    ("jgz", "no_such_action", 422),
])
def test_refused_actions_say_why_and_store_nothing(web, referred, who, trigger, status):
    c = web(who)
    r = c.post(f"/dossiers/{referred['id']}/acties/{trigger}", {"version": referred["version"]})
    assert r.status_code == status
    assert 'role="alert" id="notice"' in r.get_data(as_text=True)
    assert "Toegeleid" in text(c.get(f"/dossiers/{referred['id']}"))


def test_bad_version_field_is_refused(web, referred):
    r = web("ve").post(f"/dossiers/{referred['id']}/acties/place",
                       {"version": "abc", "start_date": days_ago(1), "hours_per_week": "12"})
    assert r.status_code == 422 and "Versie ontbreekt" in text(r)


def test_case_erased_by_retention_still_opens_without_personal_data(app, api, web):
    import datetime as dt

    from toeleiding.privacy.operations import erase_expired
    jgz_api = api("jgz")
    case = jgz_api.fire(jgz_api.register(given_name="Vergeten"), "reject")
    app.config["CLOCK_NOW"] = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=app.config["RETENTION_DAYS"] + 2)
    with app.app_context():
        assert erase_expired() == 1
    jgz = web("jgz")
    listed = jgz.get("/werkvoorraad?lijst=all&status=closed")
    assert listed.status_code == 200 and "(gegevens verwijderd)" in text(listed) and "Vergeten" not in text(listed)
    r = jgz.get(f"/dossiers/{case['id']}")
    assert r.status_code == 200 and "(gegevens verwijderd)" in text(r) and "Geen doelgroep" in text(r)


@pytest.fixture
def moved_to_other_provider(api, world, referred):
    """Referred to ve's location, not reached, then referred again to ve2's location."""
    jgz = api("jgz")
    case = jgz.fire(referred, "report_not_reached", reason="no_contact", date=days_ago(10))
    return jgz.fire(case, "re_refer", location_id=world.ids["loc2"], consent=True, referral_date=days_ago(9))


def test_former_provider_sees_the_case_but_is_offered_no_action(web, moved_to_other_provider):
    case = moved_to_other_provider
    r = web("ve").get(f"/dossiers/{case['id']}")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Toegeleid" in text(r)   # the history stays visible to it
    for trigger in ("waitlist", "place", "report_not_reached"):
        assert f'id="actie-{trigger}"' not in body
    assert "Er zijn voor u nu geen acties voor dit dossier." in text(r)
    new_provider = web("ve2").get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert 'id="actie-waitlist"' in new_provider and 'id="actie-place"' in new_provider


@pytest.mark.parametrize("trigger,data", [
    ("waitlist", {}),
    ("place", {"start_date": days_ago(1), "hours_per_week": "12"}),
    ("report_not_reached", {"reason": "no_contact", "date": days_ago(1)}),
])
def test_former_provider_cannot_act_through_the_form(web, moved_to_other_provider, trigger, data):
    """403, as any other action the caller may not take on a case it can see (404 is for cases
    outside the scope: this one is inside it, the page opens)."""
    case = moved_to_other_provider
    ve = web("ve")
    before = text(web("ve2").get(f"/dossiers/{case['id']}"))
    r = ve.post(f"/dossiers/{case['id']}/acties/{trigger}", {"version": case["version"], **data})
    assert r.status_code == 403
    assert "naar een andere aanbieder toegeleid" in text_of(r.get_data(as_text=True), 'id="notice"')
    # it reads the case as it left it, not where the child went (#15.10), and nothing was stored
    assert "Strandgaper" not in text(ve.get(f"/dossiers/{case['id']}")) and "Toegeleid" in text(r)
    after = text(web("ve2").get(f"/dossiers/{case['id']}"))
    assert "Strandgaper" in after and after.count("Op wachtlijst") == before.count("Op wachtlijst")


def test_former_provider_cannot_act_through_the_api(api, moved_to_other_provider):
    case = moved_to_other_provider
    assert api("ve").get(f"/cases/{case['id']}").json["triggers"] == []    # nothing offered …
    assert "waitlist" in api("ve2").get(f"/cases/{case['id']}").json["triggers"]
    r = api("ve").post(f"/cases/{case['id']}/transitions",
                       {"trigger": "waitlist", "version": case["version"], "data": {}})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert api("jgz").get(f"/cases/{case['id']}").json["state"] == "referred"
    api("ve2").fire(case, "waitlist", waitlist_date=days_ago(0))   # the provider it is referred to now still can


def test_meeting_notes_are_shown_on_the_case_page(web, api, world):
    jgz_api = api("jgz")
    case = jgz_api.fire(jgz_api.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    case = jgz_api.fire(case, "report_not_reached", reason="no_contact", date=days_ago(3))
    cjg = web("cjg")
    r = cjg.post("/reminders/overleg/GM0375/notities",
                 {"case_id": case["id"], "text": "CJG belt het gezin deze week terug (testafspraak)."})
    assert r.status_code == 302
    for who in ("jgz", "cjg"):
        page = text(web(who).get(f"/dossiers/{case['id']}"))
        assert "Afspraak uit het bereik-overleg" in page   # in the timeline, marked as the overleg's
        assert "CJG belt het gezin deze week terug (testafspraak)." in page
        assert "Test cjg (" in page and ", CJG Test Beverwijk)" in page   # who, as what, for which organisation
    # Outside the case's scope nothing of it shows.
    r = web("ve2").get(f"/dossiers/{case['id']}")
    assert r.status_code == 404 and "testafspraak" not in r.get_data(as_text=True)


def test_case_page_without_notes_shows_none_and_offers_the_note_form(web, referred):
    page = text(web("ve").get(f"/dossiers/{referred['id']}"))
    assert "Afspraak uit het bereik-overleg" not in page and "Notitie toevoegen" in page
