"""Administration pages (each form's bad input, region boundaries) and the public pages without sign-in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from toeleiding.extensions import db

from .conftest import text


def _id(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(model.id).filter_by(**where))


def test_add_organisation_and_refuse_bad_input(app, web):
    from toeleiding.organisations.models import Municipality
    admin = web("admin")
    bev = _id(app, Municipality, code="GM0375")
    r = admin.post("/beheer/organisaties", {"name": "Basisschool Duinpan (test)", "kind": "school", "municipalities": [str(bev)]})
    assert r.status_code == 302 and "Basisschool Duinpan (test)" in text(admin.get("/beheer/organisaties"))
    for data, field in [({"name": "", "kind": "school"}, "name"), ({"name": "X", "kind": "bakery"}, "kind"),
                        ({"name": "X", "kind": "school", "municipalities": [str(_id(app, Municipality, code="GM0664"))]},
                         "municipality")]:
        r = admin.post("/beheer/organisaties", data)
        assert r.status_code == 422 and f'href="#f-{field}"' in r.get_data(as_text=True), data


def test_add_and_edit_location(app, web, world):
    from toeleiding.organisations.models import Location, Municipality
    admin = web("admin")
    bev = str(_id(app, Municipality, code="GM0375"))
    data = {"provider": str(world.ids["ve"]), "municipality": bev, "name": "Duinroos Noord", "lrk_number": "123456789",
            "address": "Teststraat 1, Beverwijk"}
    assert admin.post("/beheer/locaties", data).status_code == 302
    for bad, field in [({"lrk_number": "12"}, "lrk_number"), ({"lrk_number": "123456789"}, "lrk_number"),
                       ({"name": "", "lrk_number": "223456789"}, "name"), ({"provider": "999"}, "provider"),
                       ({"provider": str(world.ids["jgz"])}, "provider"), ({"municipality": "x"}, "municipality")]:
        r = admin.post("/beheer/locaties", {**data, **bad})
        assert r.status_code == 422 and f'href="#f-{field}"' in r.get_data(as_text=True), bad
    loc = _id(app, Location, lrk_number="123456789")
    r = admin.post(f"/beheer/locaties/{loc}", {"name": "Duinroos Noord (nieuw)", "address": "Teststraat 2"})
    assert r.status_code == 302
    assert "Duinroos Noord (nieuw)" in text(admin.get("/beheer/locaties"))
    assert "Duinroos Noord" not in text(web().get("/ve/GM0375"))   # inactive now: not offered to parents
    r = admin.post(f"/beheer/locaties/{loc}", {"name": "", "address": ""})
    assert r.status_code == 422 and 'id="f-name-error"' in r.get_data(as_text=True)
    assert admin.get(f"/beheer/locaties/{world.ids['loc_goes']}").status_code == 404   # other region


def test_invite_user_who_sets_a_password(app, web, world):
    from .conftest import WebClient
    admin = web("admin")
    r = admin.post("/beheer/gebruikers", {"name": "Nieuwe Verpleegkundige", "email": "nieuw@test.example", "role": "jgz",
                                          "organisation": str(world.ids["jgz"])})
    assert r.status_code == 200 and "is uitgenodigd" in text(r)
    link = r.get_data(as_text=True).split('readonly value="')[1].split('"')[0].replace("http://localhost", "")
    c = WebClient(app)
    assert c.post(link, {"password": "een goed wachtwoord", "repeat": "een goed wachtwoord"}).status_code == 302
    c.get("/aanmelden")
    assert c.post("/aanmelden", {"email": "nieuw@test.example", "password": "een goed wachtwoord"}).status_code == 302


@pytest.mark.parametrize("data,field", [
    ({"email": "geen-adres"}, "email"),
    ({"email": "jgz@test.example"}, "email"),
    ({"role": "king"}, "role"),
    ({"role": "ve"}, "organisation"),            # a provider role in a JGZ organisation
    ({"organisation": "999"}, "organisation"),
])
def test_invite_refuses_bad_input(web, world, data, field):
    base = {"name": "X", "email": "x@test.example", "role": "jgz", "organisation": str(world.ids["jgz"])}
    r = web("admin").post("/beheer/gebruikers", {**base, **data})
    assert r.status_code == 422 and f'href="#f-{field}"' in r.get_data(as_text=True)


def test_admin_cannot_deactivate_self_or_users_of_another_region(app, web):
    from toeleiding.users.models import User
    admin = web("admin")
    me = _id(app, User, email="admin@test.example")
    r = admin.post(f"/beheer/gebruikers/{me}/deactiveren")
    assert r.status_code == 302 and "eigen account" in text(admin.get(r.location))
    other = _id(app, User, email="jgz_bev@test.example")
    assert admin.post(f"/beheer/gebruikers/{other}/deactiveren").status_code == 404
    assert admin.post(f"/beheer/gebruikers/{other}/wachtwoord").status_code == 404


def test_add_definition_and_refuse_overlap_and_bad_criteria(app, web):
    from toeleiding.organisations.models import Municipality
    admin = web("admin")
    m = str(_id(app, Municipality, code="GM0375"))
    base = {"municipality": m, "name": "2030–2033", "valid_from": "2030-01-01", "valid_until": "2033-12-31",
            "min_age_months": "30", "criteria": "home_language: Thuistaal niet Nederlands\nlow_income: Laag inkomen"}
    # The world's definition is open-ended from 2023: a later period overlaps it.
    r = admin.post("/beheer/doelgroepdefinities", base)
    assert r.status_code == 422 and "Overlapt" in text(r)
    for bad, field in [({"criteria": "zonder dubbele punt"}, "criteria"), ({"criteria": ""}, "criteria"),
                       ({"criteria": "a: x\na: y"}, "criteria"), ({"valid_from": "morgen"}, "valid_from"),
                       ({"valid_from": ""}, "valid_from"), ({"valid_until": "2029-01-01"}, "valid_until"),
                       ({"min_age_months": "36"}, "min_age_months"), ({"min_age_months": "x"}, "min_age_months"),
                       ({"name": ""}, "name"), ({"municipality": "0"}, "municipality")]:
        r = admin.post("/beheer/doelgroepdefinities", {**base, **bad})
        assert r.status_code == 422 and f'href="#f-{field}"' in r.get_data(as_text=True), bad
    heemskerk = str(_id(app, Municipality, code="GM0396"))
    with app.app_context():   # end Heemskerk's open period so the next one fits
        from toeleiding.organisations.models import TargetGroupDefinition
        import datetime as dt
        d = db.session.scalar(select(TargetGroupDefinition).join(Municipality).where(Municipality.code == "GM0396"))
        d.valid_until = dt.date(2029, 12, 31)
        db.session.commit()
    r = admin.post("/beheer/doelgroepdefinities", {**base, "municipality": heemskerk})
    assert r.status_code == 302 and "Laag inkomen" in text(admin.get("/beheer/doelgroepdefinities"))


def test_workflow_picture_comes_from_the_workflow_file(web):
    r = web("admin").get("/beheer/werkstroom")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<svg" in body
    for label in ("Gesignaleerd", "Geplaatst", "Niet bereikt", "Opnieuw toeleiden", "report_not_reached"):
        assert label in body
    assert "vanuit Overgedragen aan school" in text(r)   # roles_from shown


def test_public_page_without_sign_in(web, world):
    anon = web()
    r = anon.get("/ve")
    assert r.status_code == 200 and "Beverwijk" in text(r) and "Goes" in text(r)
    r = anon.get("/ve/GM0375")
    page = text(r)
    assert r.status_code == 200 and "Duinroos Centrum" in page and "Peuteropvang Duinroos (test)" in page
    assert "2,5 jaar" in page and "Thuistaal niet Nederlands" in page
    assert "2 jaar tot 4 jaar" in text(anon.get("/ve/GM0664"))   # Goes counts 2-year-olds
    assert anon.get("/ve/GM9999").status_code == 404


def test_error_pages_leak_nothing(app, web):
    c = web("jgz")
    r = c.get("/bestaat-niet")
    assert r.status_code == 404 and "Niet gevonden" in text(r)
    assert c.get("/api/v1/bestaat-niet").is_json
    assert c.client.delete("/werkvoorraad").status_code == 405


def test_unexpected_error_is_a_calm_500_page(app, web, monkeypatch):
    import toeleiding.web.views as views
    c = web("jgz")

    def boom(*a, **kw):
        raise RuntimeError("secret value 999999990 should not be shown")
    monkeypatch.setattr(views, "work_list_counts", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = c.get("/werkvoorraad")
    assert r.status_code == 500 and "999999990" not in r.get_data(as_text=True) and "Er ging iets mis" in text(r)


def test_security_headers(web):
    r = web("jgz").get("/werkvoorraad")
    assert r.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
