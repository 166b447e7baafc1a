"""Work lists per role (urgency order, counts, filters, pagination) and search by BSN and name."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ..factories import days_ago
from .conftest import text


def _names(response) -> list[str]:
    return re.findall(r'<a href="/dossiers/[0-9a-f-]{36}">([^<]+)</a>', response.get_data(as_text=True))


def _referred(jgz, world, name, indicated_days, referred_days=None, municipality="GM0375", location="loc"):
    case = jgz.register(municipality=municipality, given_name=name)
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(indicated_days))
    if referred_days is not None:
        case = jgz.fire(case, "refer", location_id=world.ids[location], consent=True, referral_date=days_ago(referred_days))
    return case


def test_jgz_lists_in_urgency_order_with_counts(api, web, world):
    jgz_api = api("jgz")
    jgz_api.register(given_name="Nieuw")
    _referred(jgz_api, world, "Kort", 3)
    _referred(jgz_api, world, "Lang", 30)
    _referred(jgz_api, world, "Toegeleid", 30, 20)
    jgz = web("jgz")
    r = jgz.get("/werkvoorraad?lijst=to_refer")
    assert r.status_code == 200
    assert _names(r) == ["Lang Fictiefsma", "Kort Fictiefsma"]   # longest waiting first
    counts = dict(re.findall(r'lijst=(\w+)[^>]*>\s*[^<]+<span class="count">(\d+)</span>', r.get_data(as_text=True)))
    assert counts == {"to_indicate": "1", "partner_signals": "0", "to_refer": "2", "unanswered": "1", "all": "4"}
    assert _names(jgz.get("/werkvoorraad")) == ["Nieuw Fictiefsma"]   # the first list is the default


def test_provider_sees_only_children_at_its_own_locations(api, web, world):
    jgz_api = api("jgz")
    _referred(jgz_api, world, "Eigen", 30, 20)
    _referred(jgz_api, world, "Ander", 30, 20, location="loc2")
    assert _names(web("ve").get("/werkvoorraad?lijst=new")) == ["Eigen Fictiefsma"]
    assert _names(web("ve2").get("/werkvoorraad?lijst=new")) == ["Ander Fictiefsma"]


def test_provider_turning_four_list(api, web, world):
    jgz_api, ve_api = api("jgz"), api("ve")
    old = jgz_api.register(months=46, given_name="Oud")
    old = jgz_api.fire(old, "indicate", criteria=["home_language"], indication_date=days_ago(30))
    old = jgz_api.fire(old, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(20))
    ve_api.fire(old, "place", start_date=days_ago(10), hours_per_week=16)
    young = _referred(jgz_api, world, "Jong", 30, 20)
    ve_api.fire(young, "place", start_date=days_ago(10), hours_per_week=16)
    assert _names(web("ve").get("/werkvoorraad?lijst=turning_four")) == ["Oud Fictiefsma"]


def test_cjg_sees_not_reached_in_its_municipality_only(api, web, world):
    jgz_api = api("jgz")
    case = _referred(jgz_api, world, "Bev", 30, 20)
    jgz_api.fire(case, "report_not_reached", reason="no_contact", date=days_ago(5))
    other = _referred(jgz_api, world, "Heem", 30, 20, municipality="GM0396", location="loc_heemskerk")
    jgz_api.fire(other, "report_not_reached", reason="no_contact", date=days_ago(5))
    assert _names(web("cjg").get("/werkvoorraad")) == ["Bev Fictiefsma"]
    assert _names(web("cjg2").get("/werkvoorraad")) == ["Heem Fictiefsma"]


def test_filters_by_municipality_and_state_and_refuses_unknown_ones(api, web, world):
    jgz_api = api("jgz")
    _referred(jgz_api, world, "Bev", 10)
    _referred(jgz_api, world, "Heem", 10, municipality="GM0396", location="loc_heemskerk")
    jgz = web("jgz")
    assert _names(jgz.get("/werkvoorraad?lijst=all&gemeente=GM0396")) == ["Heem Fictiefsma"]
    assert _names(jgz.get("/werkvoorraad?lijst=all&status=signalled")) == []
    assert len(_names(jgz.get("/werkvoorraad?lijst=all&status=indicated"))) == 2
    for query, field in [("gemeente=GM0664", "gemeente"), ("status=flying", "status"), ("lijst=nope", "lijst"),
                         ("pagina=0", "pagina"), ("pagina=abc", "pagina")]:
        r = jgz.get(f"/werkvoorraad?{query}")
        assert r.status_code == 400, query
        if field in ("gemeente", "status"):
            assert f'id="f-{field}-error"' in r.get_data(as_text=True)


def test_pagination_fifty_a_page(app, api, web, world):
    jgz_api = api("jgz")
    for i in range(53):
        jgz_api.register(given_name=f"Kind{i:02d}")
    jgz = web("jgz")
    first = jgz.get("/werkvoorraad")
    assert len(_names(first)) == 50 and "Pagina 1 van 2" in text(first)
    second = jgz.get("/werkvoorraad?pagina=2")
    assert len(_names(second)) == 3 and "Vorige" in text(second)
    assert set(_names(first)).isdisjoint(_names(second))


def test_municipality_sees_no_children(api, web):
    api("jgz").register()
    r = web("gemeente").get("/werkvoorraad")
    assert r.status_code == 200 and "Testkind" not in r.get_data(as_text=True)


def test_search_by_bsn_is_exact_and_for_jgz_only(api, web):
    case = api("jgz").register(given_name="Zoekbaar")
    bsn = case["child"]["bsn"]
    jgz = web("jgz")
    r = jgz.post("/zoeken", {"bsn": bsn})
    assert _names(r) == ["Zoekbaar Fictiefsma"]
    for bad in ("123456789", ""):
        r = jgz.post("/zoeken", {"bsn": bad})
        assert r.status_code == 422 and 'id="f-bsn-error"' in r.get_data(as_text=True), bad
    assert web("ve").post("/zoeken", {"bsn": bsn}).status_code == 403
    assert 'name="bsn"' not in web("ve").get("/zoeken").get_data(as_text=True)
    assert _names(web("jgz_bev").post("/zoeken", {"bsn": bsn})) == []   # other region


def test_search_is_a_post_form_and_get_only_shows_it(api, web):
    case = api("jgz").register(given_name="Zoekbaar")
    jgz = web("jgz")
    page = jgz.get("/zoeken").get_data(as_text=True)
    assert page.count('method="post"') >= 2 and 'method="get"' not in page and 'name="csrf_token"' in page
    # An old bookmarked or logged URL does not search: nothing personal is taken from the query string.
    r = jgz.get(f"/zoeken?bsn={case['child']['bsn']}&achternaam=Fictiefsma")
    assert r.status_code == 302 and r.location == "/zoeken"
    assert jgz.post("/zoeken", {"achternaam": "Fictiefsma"}, csrf=False).status_code == 400


def test_search_by_name_within_scope(api, web, world):
    jgz_api = api("jgz")
    case = jgz_api.register(given_name="Eva", family_name="de Vries-Ünal")
    jgz_api.register(given_name="Piet", family_name="de Vries-Ünal")
    jgz = web("jgz")

    def search(client, family, given=""):
        return _names(client.post("/zoeken", {"achternaam": family, "voornaam": given}))
    assert sorted(search(jgz, "DE VRIES UNAL")) == ["Eva de Vries-Ünal", "Piet de Vries-Ünal"]
    assert search(jgz, "de vries-ünal", "ev") == ["Eva de Vries-Ünal"]
    assert sorted(search(jgz, "Vries")) == ["Eva de Vries-Ünal", "Piet de Vries-Ünal"]   # a part will do
    assert search(jgz, "Vriesen") == []
    assert search(web("ve"), "de Vries-Ünal") == []   # not referred to them
    jgz_api.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(5))
    assert search(web("jgz_bev"), "de Vries-Ünal") == []
    r = jgz.post("/zoeken", {"achternaam": "", "voornaam": "Eva"})
    assert r.status_code == 422 and 'id="f-achternaam-error"' in r.get_data(as_text=True)


def test_search_filters_on_given_name_before_the_limit_and_says_when_results_are_cut(api, web, world):
    jgz_api = api("jgz")
    for i in range(55):
        jgz_api.register(given_name=f"Kind{i:02d}")
    # Indicated a month ago, so it sorts after the 55 registered today: a limit applied before
    # the given-name filter would never reach it.
    wanted = jgz_api.register(given_name="Zoekkind")
    jgz_api.fire(wanted, "indicate", criteria=["home_language"], indication_date=days_ago(30))
    jgz = web("jgz")
    r = jgz.post("/zoeken", {"achternaam": "Fictiefsma", "voornaam": "zoek"})
    assert _names(r) == ["Zoekkind Fictiefsma"] and "Meer dan" not in text(r)
    r = jgz.post("/zoeken", {"achternaam": "Fictiefsma"})
    assert len(_names(r)) == 50
    assert "Meer dan 50 dossiers gevonden" in text(r) and "Verfijn uw zoekopdracht" in text(r)
    r = jgz.post("/zoeken", {"achternaam": "Fictiefsma", "voornaam": "Kind0"})   # 10 match: no notice
    assert len(_names(r)) == 10 and "Meer dan" not in text(r)


def test_no_bsn_or_name_in_the_access_log_or_application_log_after_a_search(app, api, world, caplog):
    """A real HTTP server's access log: what gunicorn or a proxy would write, the request line."""
    import http.cookiejar
    import logging
    import threading
    import urllib.parse
    import urllib.request

    from werkzeug.serving import make_server

    from ..factories import PASSWORD
    from .conftest import CSRF_RE
    case = api("jgz").register(given_name="Geheimnaam", family_name="Verborgenhuis")
    bsn = case["child"]["bsn"]
    caplog.set_level(logging.DEBUG)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fetch(path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with opener.open(base + path, data=body) as r:
            return r.read().decode()
    try:
        token = CSRF_RE.search(fetch("/aanmelden")).group(1)
        fetch("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD, "csrf_token": token})
        token = CSRF_RE.search(fetch("/zoeken")).group(1)
        assert "Geheimnaam" in fetch("/zoeken", {"bsn": bsn, "csrf_token": token})
        assert "Geheimnaam" in fetch("/zoeken", {"achternaam": "Verborgenhuis", "voornaam": "Geheim",
                                                 "csrf_token": token})
    finally:
        server.shutdown()
        thread.join()
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert sum('"POST /zoeken HTTP/1.1" 200' in line for line in access) == 2, access
    for secret in (bsn, "Geheimnaam", "Verborgenhuis", "Geheim"):
        assert secret not in caplog.text


def test_the_search_service_refuses_a_search_without_bsn_or_family_name(app, world):
    # Without either it would read, and decrypt, the caller's whole scope.
    from toeleiding.cases.util import search_cases
    from toeleiding.errors import ValidationError
    from toeleiding.extensions import db
    from toeleiding.users.models import User
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.emails["jgz"]))
        with pytest.raises(ValidationError) as refused:
            search_cases(user, given_name="Testkind")
    assert refused.value.field == "achternaam"
