"""A double click (issue 13, point 3): the same user's same step with the same data, sent again
within seconds, is answered as saved rather than as someone else's change; anything else that
comes with a stale version still is a conflict."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding import clock
from toeleiding.cases.operations import REPEAT_WINDOW

from ..factories import PASSWORD, ApiClient, days_ago
from .conftest import text


@pytest.fixture
def indicated(api):
    jgz = api("jgz")
    case = jgz.register()
    return jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(20))


def _refer_form(case, world, **overrides):
    return {"version": str(case["version"]), "location_id": str(world.ids["loc"]), "consent": "ja",
            "referral_date": days_ago(1), **overrides}


def test_a_form_sent_twice_is_saved_once_and_both_answers_say_saved(web, api, world, indicated):
    jgz = web("jgz")
    url = f"/dossiers/{indicated['id']}/acties/refer"
    first = jgz.post(url, _refer_form(indicated, world))
    second = jgz.post(url, _refer_form(indicated, world))
    for r in (first, second):
        assert r.status_code == 302 and r.location.endswith(f"/dossiers/{indicated['id']}")
    page = text(jgz.get(second.location))
    assert "Opgeslagen: Toeleiden." in page and "Iemand anders" not in page
    after = api("jgz").get(f"/cases/{indicated['id']}").json
    assert after["version"] == indicated["version"] + 1 and after["state"] == "referred"
    assert [h["trigger"] for h in after["history"]].count("refer") == 1


def test_the_api_answers_a_repeat_as_the_step_itself(api, world, indicated):
    jgz = api("jgz")
    body = {"trigger": "refer", "version": indicated["version"],
            "data": {"location_id": world.ids["loc"], "consent": True, "referral_date": days_ago(1)}}
    first = jgz.post(f"/cases/{indicated['id']}/transitions", body)
    second = jgz.post(f"/cases/{indicated['id']}/transitions", body)
    assert first.status_code == second.status_code == 200, second.json
    assert second.json["version"] == first.json["version"] == indicated["version"] + 1
    assert len(second.json["history"]) == len(first.json["history"])


def _colleague(app, world, client) -> ApiClient:
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Organisation
    from toeleiding.users.operations import create_user
    with app.app_context():
        create_user("jgz-collega@test.example", "Test collega", PASSWORD, "jgz", db.session.get(Organisation, world.ids["jgz"]))
        db.session.commit()
    return ApiClient.sign_in(client, "jgz-collega@test.example")


@pytest.mark.parametrize("change", ["other data", "other trigger", "other user", "too late", "older version"])
def test_anything_else_with_a_stale_version_is_still_a_conflict(app, api, client, world, indicated, change):
    jgz = api("jgz")
    data = {"location_id": world.ids["loc"], "consent": True, "referral_date": days_ago(1)}
    assert jgz.post(f"/cases/{indicated['id']}/transitions",
                    {"trigger": "refer", "version": indicated["version"], "data": data}).status_code == 200
    body = {"trigger": "refer", "version": indicated["version"], "data": data}
    who = jgz
    if change == "other data":
        body["data"] = {**data, "referral_date": days_ago(2)}
    elif change == "other trigger":
        body = {"trigger": "report_not_reached", "version": indicated["version"],
                "data": {"reason": "moved", "date": days_ago(1)}}
    elif change == "other user":
        who = _colleague(app, world, client)   # the same organisation, another nurse
    elif change == "too late":
        app.config["CLOCK_NOW"] = clock.now() + REPEAT_WINDOW + dt.timedelta(seconds=1)
    elif change == "older version":
        body["version"] = indicated["version"] - 1
    r = who.post(f"/cases/{indicated['id']}/transitions", body)
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version", r.json
    after = jgz.get(f"/cases/{indicated['id']}").json
    assert after["version"] == indicated["version"] + 1


def test_a_stale_form_of_someone_elses_change_still_says_so(web, api, world, indicated):
    api("jgz").fire(indicated, "report_not_reached", reason="moved", date=days_ago(1))
    r = web("jgz").post(f"/dossiers/{indicated['id']}/acties/refer", _refer_form(indicated, world))
    assert r.status_code == 409 and "Iemand anders heeft dit dossier intussen gewijzigd" in text(r)


def test_the_buttons_are_sent_once(web, indicated):
    """The page's half: app.js disables a button marked data-once on submit (the browser walk
    tests/web/test_browser_errors.py clicks it)."""
    body = web("jgz").get(f"/dossiers/{indicated['id']}").get_data(as_text=True)
    assert 'class="button" data-once>Toeleiden</button>' in body
    assert 'data-once>Registreren</button>' in web("jgz").get("/dossiers/nieuw").get_data(as_text=True)
