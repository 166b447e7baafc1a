"""A privacy officer (admin) works for one region: the other region's children, users, log rows
and break-the-glass reasons are out of reach, as if they did not exist (issue #15)."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from toeleiding import clock
from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db
from toeleiding.organisations.models import Organisation

from .factories import PASSWORD, ApiClient
from .web.conftest import WebClient

BEV_REASON = "Klacht van de ouders bij de GGD Zeeland"


def _bevelanden(app, client) -> tuple[ApiClient, dict, int]:
    """De Bevelanden's own officer, who broke the glass on one of its children; and the id of
    its JGZ nurse, who registered that child."""
    with app.app_context():
        from toeleiding.users.operations import create_user
        org = db.session.scalar(select(Organisation).where(Organisation.name == "JGZ Testregio Bevelanden"))
        create_user("admin_bev@test.example", "Test admin_bev", PASSWORD, "admin", org)
        db.session.commit()
    nurse = ApiClient.sign_in(client, "jgz_bev@test.example")
    case = nurse.register(municipality="GM0664")
    officer = ApiClient.sign_in(client, "admin_bev@test.example")
    assert officer.post(f"/cases/{case['id']}/break-glass", {"reason": BEV_REASON}).status_code == 201
    return officer, case, nurse.get("/me").json["id"]


def _last(app):
    with app.app_context():
        return db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(1)).one()


def test_the_log_of_another_regions_user_or_child_is_not_found(app, client, api, world):
    _officer, bev_case, bev_nurse = _bevelanden(app, client)
    admin = api("admin")
    for path in (f"/audit?user_id={bev_nurse}", f"/audit.csv?user_id={bev_nurse}",
                 f"/audit?case_id={bev_case['id']}", f"/audit.csv?case_id={bev_case['id']}"):
        r = admin.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert bev_case["id"] not in r.get_data(as_text=True)
        # The refused look is on record, as the officer's own reads are.
        last = _last(app)
        assert (last.role, last.result) == ("admin", "denied")
        assert last.action == ("audit_export" if ".csv" in path else "audit_read")
    assert admin.get("/audit?user_id=999999").status_code == 404   # unknown: the same answer
    # The own region's questions still answer, and are logged.
    own = api("jgz").register()
    r = admin.get(f"/audit?case_id={own['id']}")
    assert r.status_code == 200 and [i["action"] for i in r.json["items"]] == ["create"]
    assert (_last(app).action, _last(app).result) == ("audit_read", "allowed")


def test_a_user_of_the_region_shows_only_the_regions_rows(app, client, api, world):
    """A provider of the region may also serve elsewhere: what its user did to another region's
    child stays with that region's officer."""
    _officer, bev_case, _nurse = _bevelanden(app, client)
    own = api("jgz").referred(world.ids["loc"])
    ve = api("ve")
    assert ve.get(f"/cases/{own['id']}").status_code == 200
    assert ve.get(f"/cases/{bev_case['id']}").status_code == 404   # a denied row about a Bevelanden child
    ve_id = ve.get("/me").json["id"]
    items = api("admin").get(f"/audit?user_id={ve_id}").json["items"]
    assert [(i["action"], i["case_id"]) for i in items] == [("read", own["id"])]
    with app.app_context():
        assert db.session.scalar(select(AccessLogEntry.id).where(
            AccessLogEntry.case_id == uuid.UUID(bev_case["id"]), AccessLogEntry.role == "ve")) is not None


def test_the_log_page_lists_only_the_regions_users(app, client, world):
    _bevelanden(app, client)
    page = WebClient(app).sign_in(world.emails["admin"])
    body = page.get("/beheer/toegangslog").get_data(as_text=True)
    assert "Test jgz" in body and "Test cjg2" in body
    assert "Test jgz_bev" not in body and "Test ve_bev" not in body and "Test admin_bev" not in body


def test_another_regions_break_the_glass_reasons_are_not_shown(app, client, world, api):
    _officer, bev_case, _nurse = _bevelanden(app, client)
    with app.app_context():
        bev_officer_id = db.session.scalar(select(AccessLogEntry.user_id).where(
            AccessLogEntry.action == "break_glass", AccessLogEntry.result == "allowed"))
    page = WebClient(app).sign_in(world.emails["admin"])
    for path in ("/beheer/noodtoegang.csv", "/beheer/toegangslog"):
        r = page.get(path)
        assert r.status_code == 200 and BEV_REASON not in r.get_data(as_text=True)
        assert bev_case["id"] not in r.get_data(as_text=True)
    assert api("admin").get(f"/audit?user_id={bev_officer_id}").status_code == 404
    for query in (f"user_id={bev_officer_id}", f"case_id={bev_case['id']}"):
        assert page.get(f"/beheer/noodtoegang.csv?{query}").status_code == 404
        assert page.get(f"/beheer/toegangslog?{query}").status_code == 404
    # Its own officer still reviews it.
    bev_page = WebClient(app).sign_in("admin_bev@test.example")
    assert BEV_REASON in bev_page.get("/beheer/noodtoegang.csv").get_data(as_text=True)


def test_the_glass_of_another_regions_child_cannot_be_broken(app, client, api, world):
    _officer, bev_case, _nurse = _bevelanden(app, client)
    admin = api("admin")
    r = admin.post(f"/cases/{bev_case['id']}/break-glass", {"reason": "Inzageverzoek via de rechtbank"})
    assert r.status_code == 404, r.json
    assert admin.get(f"/cases/{bev_case['id']}").status_code == 404
    assert admin.get(f"/cases/{bev_case['id']}/export").status_code == 404
    last = _last(app)
    assert (last.action, last.result, last.case_id) == ("export", "denied", uuid.UUID(bev_case["id"]))
    page = WebClient(app).sign_in(world.emails["admin"])
    form = page.post("/beheer/noodtoegang", {"case_id": bev_case["id"], "reason": "Inzageverzoek via rechtbank",
                                              "minutes": "30"})
    assert form.status_code == 422 and "Geen dossier met dit nummer" in form.get_data(as_text=True)
    assert page.get(f"/dossiers/{bev_case['id']}/inzage").status_code == 404
    # The own region's children still open under break-the-glass.
    own = api("jgz").register()
    assert admin.post(f"/cases/{own['id']}/break-glass", {"reason": "Inzageverzoek via de rechtbank"}).status_code == 201
    assert admin.get(f"/cases/{own['id']}/export").status_code == 200


def test_a_grant_on_another_regions_child_opens_nothing(app, client, api, world):
    """The scope itself holds the region, not only break-the-glass: a grant that reached another
    region's child (e.g. one given before this rule) opens nothing."""
    from toeleiding.audit.models import BreakGlassGrant
    from toeleiding.users.models import User
    _officer, bev_case, _nurse = _bevelanden(app, client)
    admin = api("admin")
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == world.emails["admin"]))
        now = clock.now()
        db.session.add(BreakGlassGrant(user_id=admin_id, case_id=uuid.UUID(bev_case["id"]), granted_at=now,
                                       expires_at=now + dt.timedelta(minutes=30), reason="Oude noodtoegang"))
        db.session.commit()
    assert admin.get(f"/cases/{bev_case['id']}").status_code == 404
    assert admin.get(f"/cases/{bev_case['id']}/export").status_code == 404
    assert bev_case["id"] not in {c["id"] for c in admin.get("/cases").json.get("items", [])}
