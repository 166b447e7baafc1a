"""The demo shows signals from VE and CJG (issue 11.9): per region two assessed and two still in
JGZ's signals tab, each on its signaller's page."""
from __future__ import annotations

from sqlalchemy import func, select

from toeleiding import create_app
from toeleiding.extensions import db

from .conftest import _empty_database
from .factories import ApiClient
from .web.conftest import WebClient, text


def test_demo_has_signals_assessed_and_open_per_region(base_config, migrated):
    _empty_database(base_config)
    app = create_app(dict(base_config))
    try:
        result = app.test_cli_runner().invoke(args=["demo", "--scale", "0.1"])
        assert result.exit_code == 0, result.output
        from toeleiding.signals.models import CaseSignal
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(CaseSignal)) == 8
        assert app.test_cli_runner().invoke(args=["demo", "--scale", "0.1"]).exit_code == 0   # adds none
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(CaseSignal)) == 8
        for who in ("ve", "cjg"):
            items = ApiClient.sign_in(app.test_client(), f"{who}@ijmond.demo", "demo").get("/signals").json["items"]
            assert sorted(s["assessed"] for s in items) == [False, True], who
        jgz = WebClient(app).sign_in("jgz@ijmond.demo", "demo")
        page = text(jgz.get("/werkvoorraad?lijst=partner_signals"))
        assert "Signalen van partners, te beoordelen 2" in page
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
