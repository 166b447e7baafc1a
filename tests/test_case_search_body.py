"""POST /api/v1/cases/search: the list and search of GET /cases with the arguments in a JSON body,
so a BSN or a name never stands in a URL (and so in a proxy's or server's access log)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db

from .factories import make_bsn


@pytest.fixture
def people(api):
    jgz = api("jgz")
    return {"eva": jgz.register(given_name="Eva", family_name="van den Berg-Jansen", bsn=make_bsn()),
            "piet": jgz.register(given_name="Piet", family_name="Bergman", bsn=make_bsn()),
            "anna": api("jgz_bev").register(municipality="GM0664", given_name="Anna", family_name="Berg")}


def _search(client, body) -> list[str]:
    r = client.post("/cases/search", body)
    assert r.status_code == 200, r.json
    return sorted(item["child"]["given_name"] for item in r.json["items"])


def test_the_body_finds_what_the_query_string_finds(api, people):
    jgz = api("jgz")
    for name in ("Berg", "jans", "Onbekendsma"):
        by_url = sorted(i["child"]["given_name"] for i in jgz.get("/cases", query_string={"family_name": name}).json["items"])
        assert _search(jgz, {"family_name": name}) == by_url
    assert _search(jgz, {"family_name": "Berg"}) == ["Eva", "Piet"]     # never Anna, of the other region
    assert _search(jgz, {"bsn": people["eva"]["child"]["bsn"]}) == ["Eva"]
    assert _search(jgz, {}) == ["Eva", "Piet"]                           # no search: the caller's list
    page = jgz.post("/cases/search", {"family_name": "Berg", "per_page": 1, "page": 2}).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 2, 1, 1)


def test_bad_arguments_are_refused_at_the_field(api, people):
    jgz = api("jgz")
    for body, field in [({"bsn": "123456789"}, "bsn"), ({"bsn": 111222333}, "bsn"),
                        ({"family_name": ["Berg"]}, "family_name"), ({"family_name": "--"}, "family_name"),
                        ({"state": "nowhere"}, "state"), ({"municipality": 375}, "municipality"),
                        ({"page": 0}, "page"), ({"per_page": True}, "per_page"), ({"page": "2.5"}, "page")]:
        r = jgz.post("/cases/search", body)
        assert r.status_code == 422, (body, r.json)
        assert r.json["error"]["field"] == field, (body, r.json)
    assert jgz.client.post("/api/v1/cases/search", data="bsn=1", headers=jgz.headers).status_code == 400
    # A BSN search is JGZ's alone, as on GET.
    r = api("ve").post("/cases/search", {"bsn": people["eva"]["child"]["bsn"]})
    assert r.status_code == 403


def test_a_body_search_is_access_logged_and_its_bsn_is_in_no_url(app, api, people):
    jgz = api("jgz")
    with app.app_context():
        before = db.session.scalar(select(sa.func.max(AccessLogEntry.id)))
    r = jgz.post("/cases/search", {"bsn": people["eva"]["child"]["bsn"]})
    assert people["eva"]["child"]["bsn"] not in r.request.url
    jgz.post("/cases/search", {"family_name": "Onbekendsma"})
    with app.app_context():
        rows = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.case_id)
                                  .where(AccessLogEntry.id > before).order_by(AccessLogEntry.id)).all()
    assert rows == [("search", uuid.UUID(people["eva"]["id"])), ("search", None)]


def test_the_openapi_document_describes_the_body_search(client):
    body = client.get("/api/v1/openapi.json").json["paths"]["/cases/search"]["post"]["requestBody"]
    assert {"bsn", "family_name", "state", "municipality", "page", "per_page"} <= set(
        body["content"]["application/json"]["schema"]["properties"])
