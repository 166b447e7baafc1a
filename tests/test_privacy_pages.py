"""The privacy officer's pages and the printable parents' export, through the real sign-in."""
from __future__ import annotations

from .factories import ApiClient, days_ago
from .web.conftest import WebClient


def _case(client, world):
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    case = jgz.register(given_name="Fenneke")
    return jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(2))


def _web(app, world, who):
    return WebClient(app).sign_in(world.emails[who])


def test_privacy_officer_sees_who_looked_at_a_child_and_exports_it(app, client, world):
    case = _case(client, world)
    _web(app, world, "jgz").get(f"/dossiers/{case['id']}")
    admin = _web(app, world, "admin")
    page = admin.get(f"/beheer/toegangslog?case_id={case['id']}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "transition:indicate" in body and "Fenneke" not in body
    assert body.count("<tr>") >= 4   # header + create, indicate, read
    csv = admin.get(f"/beheer/toegangslog.csv?case_id={case['id']}")
    assert csv.status_code == 200 and csv.get_data(as_text=True).startswith("id,at,user_id")
    bad = admin.get("/beheer/toegangslog?case_id=nonsense")
    assert bad.status_code == 422 and "Geen geldig dossiernummer" in bad.get_data(as_text=True)
    assert _web(app, world, "jgz").get("/beheer/toegangslog").status_code == 403


def test_break_the_glass_from_the_page_opens_the_case_for_a_while(app, client, world):
    case = _case(client, world)
    admin = _web(app, world, "admin")
    assert admin.get(f"/dossiers/{case['id']}").status_code == 404
    short = admin.post("/beheer/noodtoegang", {"case_id": case["id"], "reason": "kort", "minutes": "30"})
    assert short.status_code == 422 and "10 tekens" in short.get_data(as_text=True)
    unknown = admin.post("/beheer/noodtoegang", {"case_id": "nope", "reason": "Inzageverzoek via rechtbank", "minutes": "30"})
    assert unknown.status_code == 422
    html = unknown.get_data(as_text=True)   # the summary's link leads to the field it names
    assert 'href="#grant-case-id"' in html and 'id="grant-case-id"' in html
    r = admin.post("/beheer/noodtoegang", {"case_id": case["id"], "reason": "Inzageverzoek via rechtbank", "minutes": "30"})
    assert r.status_code == 302 and r.location.endswith(f"/dossiers/{case['id']}")
    page = admin.get(f"/dossiers/{case['id']}")
    assert page.status_code == 200 and "Fenneke" in page.get_data(as_text=True)


def test_jgz_prints_everything_held_on_a_child_for_the_parents(app, client, world):
    case = _case(client, world)
    jgz = _web(app, world, "jgz")
    page = jgz.get(f"/dossiers/{case['id']}/inzage")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Fenneke" in body and "Ouder Fictief" in body and "zette de stap" in body and "transition:indicate" not in body
    download = jgz.get(f"/dossiers/{case['id']}/inzage.json")
    assert download.status_code == 200 and download.json["child"]["given_name"] == "Fenneke"
    ve = _web(app, world, "ve")
    assert ve.get(f"/dossiers/{case['id']}/inzage").status_code == 403
