"""Work lists per role (urgency order, counts, filters, pagination) and search by BSN and name."""
from __future__ import annotations

import re

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
    assert counts == {"to_indicate": "1", "to_refer": "2", "unanswered": "1", "all": "4"}
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
    jgz = web("jgz")
    r = jgz.get(f"/zoeken?bsn={case['child']['bsn']}")
    assert _names(r) == ["Zoekbaar Fictiefsma"]
    r = jgz.get("/zoeken?bsn=123456789")
    assert r.status_code == 422 and 'id="f-bsn-error"' in r.get_data(as_text=True)
    assert web("ve").get(f"/zoeken?bsn={case['child']['bsn']}").status_code == 403
    assert 'name="bsn"' not in web("ve").get("/zoeken").get_data(as_text=True)
    assert _names(web("jgz_bev").get(f"/zoeken?bsn={case['child']['bsn']}")) == []   # other region


def test_search_by_name_within_scope(api, web, world):
    jgz_api = api("jgz")
    case = jgz_api.register(given_name="Eva", family_name="de Vries-Ünal")
    jgz_api.register(given_name="Piet", family_name="de Vries-Ünal")
    jgz = web("jgz")
    assert sorted(_names(jgz.get("/zoeken?achternaam=DE+VRIES+UNAL"))) == ["Eva de Vries-Ünal", "Piet de Vries-Ünal"]
    assert _names(jgz.get("/zoeken?achternaam=de+vries-ünal&voornaam=ev")) == ["Eva de Vries-Ünal"]
    assert _names(jgz.get("/zoeken?achternaam=Vries")) == []        # the full family name only
    assert _names(web("ve").get("/zoeken?achternaam=de+Vries-Ünal")) == []   # not referred to them
    jgz_api.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(5))
    assert _names(web("jgz_bev").get("/zoeken?achternaam=de+Vries-Ünal")) == []
