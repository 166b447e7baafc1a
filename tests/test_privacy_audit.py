"""The privacy officer's review: break-the-glass reasons, whom a query was about, who erased."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db

from .factories import days_ago
from .web.conftest import WebClient

REASON = "Inzageverzoek via de rechtbank, dossier 42"


def _last(app, action):
    with app.app_context():
        return db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.action == action)
                                  .order_by(AccessLogEntry.id.desc()).limit(1)).first()


def test_the_officer_reads_break_the_glass_reasons_and_that_is_logged(app, api, world):
    case = api("jgz").register()
    admin = api("admin")
    assert admin.post(f"/cases/{case['id']}/break-glass", {"reason": REASON}).status_code == 201
    web = WebClient(app).sign_in(world.emails["admin"])
    page = web.get("/beheer/toegangslog").get_data(as_text=True)
    assert REASON in page and case["id"] in page
    review = _last(app, "break_glass_review")
    assert review is not None and review.case_id == uuid.UUID(case["id"]) and review.result == "allowed"
    csv = web.get(f"/beheer/noodtoegang.csv?case_id={case['id']}")
    lines = csv.get_data(as_text=True).splitlines()
    assert csv.status_code == 200 and lines[0] == "id,user_id,organisation_id,case_id,reason,granted_at,expires_at"
    assert len(lines) == 2 and REASON in lines[1]
    assert _last(app, "break_glass_export").case_id == uuid.UUID(case["id"])
    grants = admin.get(f"/audit?case_id={case['id']}").json["grants"]
    assert [(g["reason"], g["case_id"]) for g in grants] == [(REASON, case["id"])]
    # Not for anyone else, and the refusal is on record.
    jgz = WebClient(app).sign_in(world.emails["jgz"])
    assert jgz.get("/beheer/noodtoegang.csv").status_code == 403
    assert _last(app, "break_glass_export").result == "denied"
    assert web.get("/beheer/noodtoegang.csv?user_id=abc").status_code == 422


def test_a_query_about_a_user_records_which_user(app, api, world):
    jgz = api("jgz")
    jgz.register()
    uid = jgz.get("/me").json["id"]
    assert api("admin").get(f"/audit?user_id={uid}").status_code == 200
    assert _last(app, "audit_read").on_behalf_of == f"subject_user:{uid}"
    web = WebClient(app).sign_in(world.emails["admin"])
    assert web.get(f"/beheer/toegangslog.csv?user_id={uid}").status_code == 200
    assert _last(app, "audit_export").on_behalf_of == f"subject_user:{uid}"


def test_erasures_say_who_ran_them_job_or_command(app, api, runner):
    from toeleiding.privacy.commands import run_retention
    jgz = api("jgz")
    for _ in range(2):
        case = jgz.register()
        jgz.fire(case, "close", outcome="at_school", date=days_ago(800))
    run_retention(app)                         # as the scheduler does, in its own thread
    with app.app_context():
        clients = db.session.scalars(select(AccessLogEntry.client).where(AccessLogEntry.action == "erase")).all()
    assert clients == ["job", "job"]
    case = jgz.register()
    jgz.fire(case, "close", outcome="at_school", date=days_ago(800))
    assert runner.invoke(args=["retention", "run"]).exit_code == 0
    assert _last(app, "erase").client == "cli"
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(AccessLogEntry)
                                 .where(AccessLogEntry.action == "erase")) == 3
