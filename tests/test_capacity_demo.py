"""The demo's locations have capacity (issue 12.4): some full, most with places free, visible on
the public VE page and in the monitor."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from toeleiding.extensions import db
from toeleiding.organisations.models import Location
from toeleiding.organisations.util import availability

from .test_demo import demo_app  # noqa: F401  (the module's demo, loaded once)


def test_demo_locations_have_places_and_some_are_full(demo_app):  # noqa: F811
    with demo_app.app_context():
        locations = list(db.session.scalars(select(Location).where(Location.active.is_(True))))
        assert locations and all(loc.ve_places is not None and loc.setting and loc.opening_days for loc in locations)
        shown = availability(locations, demo_app.config["SUPPRESSION_THRESHOLD"])
        assert "full" in shown.values() and "free" in shown.values()


def test_demo_monitor_publishes_places_and_the_waiting_list(demo_app):  # noqa: F811
    client = demo_app.test_client()
    r = client.post("/api/v1/auth/login", json={"email": "admin@ijmond.demo", "password": "demo"})
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    body = client.get(f"/api/v1/monitor?region=ijmond&peildatum={dt.date.today().isoformat()}", headers=headers).json
    total = body["total"]["cells"]
    assert total["location_places"]["value"] > 0 and total["occupied_places"]["value"] > 0
    assert total["waitlist_length"]["value"] > 0 and total["waitlist_median_days"]["value"] is not None
