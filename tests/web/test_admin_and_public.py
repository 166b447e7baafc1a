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


def test_a_deactivated_account_gets_no_reset_link_until_reactivated(app, web, smtp_server):
    from toeleiding.users.models import User
    handler, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="toeleiding@test.example")
    admin = web("admin")
    uid = _id(app, User, email="cjg@test.example")
    with app.app_context():
        before = db.session.get(User, uid).password_hash
    assert admin.post(f"/beheer/gebruikers/{uid}/deactiveren").status_code == 302
    r = admin.post(f"/beheer/gebruikers/{uid}/wachtwoord")
    assert r.status_code == 302 and "Activeer het account eerst" in text(admin.get(r.location))
    with app.app_context():
        assert db.session.get(User, uid).password_hash == before   # nothing changed
    assert handler.messages == []
    assert admin.post(f"/beheer/gebruikers/{uid}/activeren").status_code == 302
    r = admin.post(f"/beheer/gebruikers/{uid}/wachtwoord")
    assert r.status_code == 302 and "verstuurd naar cjg@test.example" in text(admin.get(r.location))
    assert [rcpt for rcpt, _ in handler.messages] == [["cjg@test.example"]]


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
    # End Heemskerk's open period through the page, then the next one fits after it.
    heemskerk = str(_id(app, Municipality, code="GM0396"))
    current = _definition_id(app, "GM0396")
    r = admin.post(f"/beheer/doelgroepdefinities/{current}/beeindigen", {"valid_until": "2029-12-31"})
    assert r.status_code == 302 and "tot en met" in text(admin.get(r.location))
    r = admin.post("/beheer/doelgroepdefinities", {**base, "municipality": heemskerk})
    assert r.status_code == 302 and "Laag inkomen" in text(admin.get("/beheer/doelgroepdefinities"))


def _definition_id(app, code):
    from toeleiding.organisations.models import Municipality, TargetGroupDefinition
    with app.app_context():
        return db.session.scalar(select(TargetGroupDefinition.id).join(Municipality).where(Municipality.code == code)
                                 .order_by(TargetGroupDefinition.valid_from))


def _valid_until(app, definition_id):
    from toeleiding.organisations.models import TargetGroupDefinition
    with app.app_context():
        return db.session.get(TargetGroupDefinition, definition_id).valid_until


@pytest.mark.parametrize("value", ["", "morgen", "2022-12-31", "2023-13-01"])
def test_ending_a_period_refuses_bad_dates_and_stores_nothing(app, web, value):
    admin = web("admin")
    d = _definition_id(app, "GM0375")
    r = admin.post(f"/beheer/doelgroepdefinities/{d}/beeindigen", {"valid_until": value})
    assert r.status_code == 422 and f'href="#f-end_{d}"' in r.get_data(as_text=True)
    assert f'id="f-end_{d}-error"' in r.get_data(as_text=True)
    assert _valid_until(app, d) is None


def test_an_ended_period_cannot_be_lengthened_nor_can_another_regions_be_ended(app, web):
    admin = web("admin")
    d = _definition_id(app, "GM0375")
    assert admin.post(f"/beheer/doelgroepdefinities/{d}/beeindigen", {"valid_until": "2030-06-30"}).status_code == 302
    r = admin.post(f"/beheer/doelgroepdefinities/{d}/beeindigen", {"valid_until": "2031-01-01"})
    assert r.status_code == 422 and "verlengen" in text(r)
    assert admin.post(f"/beheer/doelgroepdefinities/{d}/beeindigen", {"valid_until": "2030-01-31"}).status_code == 302
    assert str(_valid_until(app, d)) == "2030-01-31"   # shortening further is allowed
    goes = _definition_id(app, "GM0664")
    assert admin.post(f"/beheer/doelgroepdefinities/{goes}/beeindigen", {"valid_until": "2030-01-31"}).status_code == 404
    assert admin.post("/beheer/doelgroepdefinities/99999999999/beeindigen", {"valid_until": "2030-01-31"}).status_code == 404


def test_a_period_cannot_end_before_a_published_monitor_it_counted(app, api, web, world):
    from toeleiding import clock
    admin = web("admin")
    peildatum = clock.today().replace(day=1).isoformat()
    assert api("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": peildatum}).status_code == 201
    d = _definition_id(app, "GM0375")
    r = admin.post(f"/beheer/doelgroepdefinities/{d}/beeindigen", {"valid_until": "2024-12-31"})
    assert r.status_code == 422 and "gepubliceerd" in text(r) and _valid_until(app, d) is None
    assert admin.post(f"/beheer/doelgroepdefinities/{d}/beeindigen", {"valid_until": peildatum}).status_code == 302


def test_edit_and_deactivate_an_organisation(app, web, world):
    from toeleiding.organisations.models import Location, Organisation
    from toeleiding.users.models import User
    admin = web("admin")
    ve2 = world.ids["ve2"]
    r = admin.post(f"/beheer/organisaties/{ve2}", {"name": "Kinderhuis Strandgaper Noord (test)"})
    assert r.status_code == 302 and "Kinderhuis Strandgaper Noord (test)" in text(admin.get("/beheer/organisaties"))
    r = admin.post(f"/beheer/organisaties/{ve2}", {"name": "  "})
    assert r.status_code == 422 and 'href="#f-name"' in r.get_data(as_text=True)
    # Active users and locations remain: refused, and the page names them.
    r = admin.post(f"/beheer/organisaties/{ve2}/deactiveren")
    assert r.status_code == 422 and 'href="#f-organisation"' in r.get_data(as_text=True)
    assert "deactiveer die eerst" in text(r) and "Test ve2" in text(r)
    with app.app_context():
        assert db.session.get(Organisation, ve2).active
        for u in db.session.scalars(select(User).where(User.organisation_id == ve2)):
            u.active = False
        for loc in db.session.scalars(select(Location).where(Location.provider_id == ve2)):
            loc.active = False
        db.session.commit()
    assert admin.post(f"/beheer/organisaties/{ve2}/deactiveren").status_code == 302
    with app.app_context():
        assert not db.session.get(Organisation, ve2).active
    # A deactivated organisation gets no new users or locations.
    r = admin.post("/beheer/gebruikers", {"name": "X", "email": "x@test.example", "role": "ve",
                                          "organisation": str(ve2)})
    assert r.status_code == 422 and 'href="#f-organisation"' in r.get_data(as_text=True)
    # … nor are its people or locations brought back under it.
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.organisation_id == ve2))
        location_id = db.session.scalar(select(Location.id).where(Location.provider_id == ve2))
    r = admin.post(f"/beheer/gebruikers/{user_id}/activeren")
    assert r.status_code == 302 and "activeer die eerst" in text(admin.get(r.location))
    r = admin.post(f"/beheer/locaties/{location_id}", {"name": "Weer open", "address": "", "active": "ja"})
    assert r.status_code == 422 and 'id="f-active-error"' in r.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, user_id).active and not db.session.get(Location, location_id).active
    assert admin.post(f"/beheer/organisaties/{ve2}/activeren").status_code == 302
    assert admin.post(f"/beheer/gebruikers/{user_id}/activeren").status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, ve2).active
    other = _id(app, Organisation, name="Peuterpunt Zeeuws (test)")
    assert admin.get(f"/beheer/organisaties/{other}").status_code == 404
    assert admin.post(f"/beheer/organisaties/{other}/deactiveren").status_code == 404


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
    assert "vanaf 2 jaar en 6 maanden tot 4 jaar" in page and "Thuistaal niet Nederlands" not in page   # criteria are for professionals
    assert "vanaf 2 jaar tot 4 jaar" in text(anon.get("/ve/GM0664"))   # Goes counts 2-year-olds
    assert anon.get("/ve/GM9999").status_code == 404


@pytest.mark.parametrize("months,dutch,english", [
    (24, "vanaf 2 jaar tot", "aged 2 years to"), (30, "vanaf 2 jaar en 6 maanden tot", "aged 2 years and 6 months to"),
    (25, "vanaf 2 jaar en 1 maand tot", "aged 2 years and 1 month to"), (36, "vanaf 3 jaar tot", "aged 3 years to"),
    (18, "vanaf 1 jaar en 6 maanden tot", "aged 1 year and 6 months to"), (9, "vanaf 9 maanden tot", "aged 9 months to"),
])
def test_public_page_says_any_minimum_age_in_years_and_months(app, months, dutch, english):
    """The database allows 24 or 30 months today; the page must not depend on that."""
    from types import SimpleNamespace

    from flask import render_template
    from flask_babel import force_locale
    m = SimpleNamespace(name="Voorbeeldstad", code="GM0000")
    d = SimpleNamespace(min_age_months=months, criteria=[])
    with app.test_request_context("/ve/GM0000"):
        assert dutch in " ".join(render_template("web/public_municipality.html", municipality=m, definition=d,
                                                 locations=[]).split())
        with force_locale("en"):
            assert english in " ".join(render_template("web/public_municipality.html", municipality=m, definition=d,
                                                       locations=[]).split())


def test_error_pages_leak_nothing(app, web):
    c = web("jgz")
    r = c.get("/bestaat-niet")
    assert r.status_code == 404 and "Niet gevonden" in text(r)
    assert c.get("/api/v1/bestaat-niet").is_json
    assert c.client.delete("/werkvoorraad").status_code == 405


def test_unexpected_error_is_a_calm_500_page(app, web, monkeypatch):
    import toeleiding.cases.views as views
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


def test_workflow_picture_numbers_do_not_collide_with_each_other_or_the_boxes(app, web):
    """Edge labels used to print over each other ("Geen doelgroep" on "Opnieuw toeleiden")."""
    from toeleiding.admin.diagram import workflow_diagram
    from toeleiding.workflow import current_workflow
    with app.test_request_context():
        wf = current_workflow()
        d = workflow_diagram(wf, lambda s: s, lambda t: t)
    r = d["badge_r"]
    badges = [(e["bx"], e["by"]) for e in d["edges"] if e["labelled"]]
    assert {e["number"] for e in d["edges"] if e["labelled"]} == set(range(1, len(wf.transitions) + 1))
    for i, (x, y) in enumerate(badges):
        for x2, y2 in badges[i + 1:]:
            assert (x - x2) ** 2 + (y - y2) ** 2 >= (2 * r) ** 2, (x, y, x2, y2)
        for n in d["nodes"]:
            assert not (n["x"] - r < x < n["x"] + d["node_w"] + r and n["y"] - r < y < n["y"] + d["node_h"] + r), (x, y, n)
    page = text(web("admin").get("/beheer/werkstroom"))
    assert "Pijlen in de tekening" in page and "10. Afsluiten" in page   # after the warm handover and its receipt
