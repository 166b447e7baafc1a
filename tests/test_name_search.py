"""Search by part of a family name through blind-index tokens: service, API, page, CLI, scope, log."""
from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.cases.models import CaseNameToken
from toeleiding.extensions import db

from .factories import days_ago
from .web.conftest import WebClient


def _people(api):
    """Three children in IJmond, one in De Bevelanden with the same family name as one of them."""
    jgz = api("jgz")
    eva = jgz.register(given_name="Eva", family_name="van den Berg-Jansen")
    piet = jgz.register(given_name="Piet", family_name="Bergman")
    kees = jgz.register(given_name="Kees", family_name="Jánsen")
    anna = api("jgz_bev").register(municipality="GM0664", given_name="Anna", family_name="van den Berg-Jansen")
    return {"eva": eva, "piet": piet, "kees": kees, "anna": anna}


def _given(client, query: str, **params) -> list[str]:
    r = client.get("/cases", query_string={"family_name": query, **params})
    assert r.status_code == 200, r.json
    return sorted(item["child"]["given_name"] for item in r.json["items"])


def test_parts_and_prefixes_ignore_case_accents_and_tussenvoegsels(api):
    _people(api)
    jgz = api("jgz")
    assert _given(jgz, "Berg") == ["Eva", "Piet"]          # a part, and the start of "Bergman"
    assert _given(jgz, "jans") == ["Eva", "Kees"]          # the start of the second part; "á" is "a"
    assert _given(jgz, "JANSEN") == ["Eva", "Kees"]
    assert _given(jgz, "van den Berg") == ["Eva", "Piet"]  # the tussenvoegsels do not count
    assert _given(jgz, "de berg") == ["Eva", "Piet"]
    assert _given(jgz, "Berg-Jansen") == ["Eva"]            # every part typed must be there
    assert _given(jgz, "bérg jans") == ["Eva"]
    assert _given(jgz, "van den Berg-Jansen") == ["Eva"]
    assert _given(jgz, "ber") == ["Eva", "Piet"]            # 3 letters are enough
    assert _given(jgz, "be") == []                          # 2 are not (only a whole part that short)
    assert _given(jgz, "bergen") == []                      # longer than the part: no match
    assert _given(jgz, "erg") == []                         # the start of a part, not the middle


def test_the_search_never_leaves_the_callers_scope(api, world):
    people = _people(api)
    assert _given(api("jgz_bev"), "Berg") == ["Anna"]       # only its own region's child
    assert _given(api("jgz"), "Berg") == ["Eva", "Piet"]     # never Anna
    ve = api("ve")
    assert _given(ve, "Berg") == []                          # not referred to this provider
    jgz = api("jgz")
    eva = jgz.fire(people["eva"], "indicate", criteria=["home_language"], indication_date=days_ago(5))
    jgz.fire(eva, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(4))
    assert _given(ve, "Berg") == ["Eva"]
    assert _given(api("ve2"), "Berg") == []
    r = api("gemeente").get("/cases", query_string={"family_name": "Berg"})
    assert r.status_code == 200 and r.json["items"] == []


def test_the_api_searches_by_bsn_for_jgz_only(api):
    people = _people(api)
    bsn = people["kees"]["child"]["bsn"]
    jgz = api("jgz")
    r = jgz.get("/cases", query_string={"bsn": bsn})
    assert r.status_code == 200 and [i["id"] for i in r.json["items"]] == [people["kees"]["id"]]
    assert r.json["total"] == 1
    r = jgz.get("/cases", query_string={"bsn": bsn, "family_name": "berg"})
    assert r.json["items"] == []                             # both must hold
    assert api("jgz_bev").get("/cases", query_string={"bsn": bsn}).json["items"] == []
    r = api("ve").get("/cases", query_string={"bsn": bsn})
    assert r.status_code == 403
    r = jgz.get("/cases", query_string={"bsn": "123456789"})
    assert r.status_code == 422 and r.json["error"]["field"] == "bsn"
    for bad in ("", "---", "x" * 201):
        r = jgz.get("/cases", query_string={"family_name": bad})
        assert r.status_code == 422 and r.json["error"]["field"] == "family_name", bad
    r = jgz.get("/cases", query_string={"family_name": "berg", "state": "signalled", "municipality": "GM0375"})
    assert r.status_code == 200 and r.json["total"] == 2


def test_a_search_is_access_logged_as_one(app, api):
    people = _people(api)
    jgz = api("jgz")
    with app.app_context():
        before = db.session.scalar(select(sa.func.max(AccessLogEntry.id)))
    jgz.get("/cases", query_string={"family_name": "jans"})
    jgz.get("/cases", query_string={"family_name": "Onbekendsma"})
    with app.app_context():
        rows = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.case_id, AccessLogEntry.client)
                                  .where(AccessLogEntry.id > before).order_by(AccessLogEntry.id)).all()
    found = {uuid.UUID(people["eva"]["id"]), uuid.UUID(people["kees"]["id"])}
    assert {(a, c) for a, c, _ in rows} == {("search", cid) for cid in found} | {("search", None)}
    assert {client for _, _, client in rows} == {"api"}


def test_the_openapi_document_names_both_search_parameters(client):
    doc = client.get("/api/v1/openapi.json").json
    names = {p["name"] for p in doc["paths"]["/cases"]["get"]["parameters"]}
    assert {"bsn", "family_name"} <= names


def test_the_search_page_finds_part_of_a_family_name(app, api, world):
    _people(api)
    page = WebClient(app).sign_in(world.emails["jgz"])
    r = page.post("/zoeken", {"achternaam": "jans"})
    names = re.findall(r'<a href="/dossiers/[0-9a-f-]{36}">([^<]+)</a>', r.get_data(as_text=True))
    assert r.status_code == 200 and sorted(names) == ["Eva van den Berg-Jansen", "Kees Jánsen"]
    r = page.post("/zoeken", {"achternaam": "Berg", "voornaam": "pie"})
    names = re.findall(r'<a href="/dossiers/[0-9a-f-]{36}">([^<]+)</a>', r.get_data(as_text=True))
    assert names == ["Piet Bergman"]
    other = WebClient(app).sign_in(world.emails["jgz_bev"])
    names = re.findall(r'<a href="/dossiers/[0-9a-f-]{36}">([^<]+)</a>',
                       other.post("/zoeken", {"achternaam": "berg"}).get_data(as_text=True))
    assert names == ["Anna van den Berg-Jansen"]


def test_no_name_is_stored_in_clear_in_the_tokens(app, api):
    _people(api)
    with app.app_context():
        tokens = list(db.session.scalars(select(CaseNameToken.token)))
    # van den Berg-Jansen: ber, berg, jan, jans, janse, jansen (twice: two children); Bergman: ber,
    # berg, bergm, bergma, bergman; Jánsen: jan, jans, janse, jansen. About as many as letters.
    assert len(tokens) == 6 + 6 + 5 + 4
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in tokens)
    dump = " ".join(tokens).casefold()
    for part in ("berg", "jans", "van"):
        assert part not in dump


def test_refresh_name_index_follows_a_changed_family_name(app, api):
    people = _people(api)
    from toeleiding.cases.models import Case
    from toeleiding.cases.operations import refresh_name_index
    with app.app_context():
        case = db.session.get(Case, uuid.UUID(people["piet"]["id"]))
        case.family_name = "de Wit"
        refresh_name_index(case)
        db.session.commit()
    jgz = api("jgz")
    assert _given(jgz, "Bergman") == []
    assert _given(jgz, "wit") == ["Piet"]
    assert _given(jgz, "Berg") == ["Eva"]


def test_keys_reindex_rebuilds_the_tokens_with_progress(app, api, runner):
    people = _people(api)
    with app.app_context():
        db.session.execute(sa.delete(CaseNameToken))   # as after the migration, before a reindex
        db.session.commit()
    jgz = api("jgz")
    assert _given(jgz, "jans") == []
    assert _given(jgz, "van den Berg-Jansen") == ["Eva"]   # the whole name is still found meanwhile
    result = runner.invoke(args=["keys", "reindex", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "4 cases reindexed" in result.output and "cases" in result.output
    assert _given(jgz, "jans") == ["Eva", "Kees"]
    assert _given(jgz, "Berg") == ["Eva", "Piet"]
    # The version of a case does not move: a reindex is not a change of the record.
    assert jgz.get(f"/cases/{people['eva']['id']}").json["version"] == people["eva"]["version"]
