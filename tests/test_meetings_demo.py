"""The demo shows the bereik-overleg as meetings: two past meetings per region, with actions
done and open, each open one in its owner's inbox (issue 11.8)."""
from __future__ import annotations

from sqlalchemy import func, select

from toeleiding import create_app
from toeleiding.extensions import db

from .conftest import _empty_database
from .factories import ApiClient


def test_demo_has_past_meetings_per_region_with_done_and_open_actions(base_config, migrated):
    _empty_database(base_config)
    app = create_app(dict(base_config))
    try:
        result = app.test_cli_runner().invoke(args=["demo", "--scale", "0.1"])
        assert result.exit_code == 0, result.output
        from toeleiding.organisations.models import Municipality
        from toeleiding.reminders.models import Meeting, MeetingAction
        with app.app_context():
            for slug in ("ijmond", "bevelanden"):
                meetings = db.session.scalar(select(func.count()).select_from(Meeting).join(Municipality)
                                             .where(Municipality.region.has(slug=slug)))
                assert meetings == 2, slug
            done = db.session.scalar(select(func.count()).where(MeetingAction.done_at.is_not(None)))
            still_open = db.session.scalar(select(func.count()).where(MeetingAction.done_at.is_(None)))
            assert done and still_open
        # A second run adds none.
        assert app.test_cli_runner().invoke(args=["demo", "--scale", "0.1"]).exit_code == 0
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Meeting)) == 4
        with app.app_context():
            code = db.session.scalar(select(Municipality.code).join(Meeting).where(Municipality.region.has(slug="ijmond")))
        cjg = ApiClient.sign_in(app.test_client(), "cjg@ijmond.demo", "demo")
        listed = cjg.get(f"/bereik-overleg/{code}/meetings").json["items"]
        assert len(listed) == 2 and listed[0]["held_on"] > listed[1]["held_on"]   # latest first
        statuses = [a["status"] for m in listed for a in cjg.get(f"/meetings/{m['id']}").json["actions"]]
        assert "done" in statuses and "open" in statuses
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
