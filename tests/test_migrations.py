"""The schema is made only by migrations: they match the models, and every downgrade works."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from toeleiding import create_app
from toeleiding.extensions import db


def _fresh_url(database_url: str, tmp_path) -> str:
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    # Named after the suite's own database, so two suites on one server (test, test_x) do not
    # drop each other's scratch database.
    base, name = database_url.rsplit("/", 1)
    scratch = f"{name.split('?')[0]}_migrations"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    admin.dispose()
    return f"{base}/{scratch}"


@pytest.fixture
def fresh_app(base_config, tmp_path):
    url = _fresh_url(base_config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": url})
    yield app
    with app.app_context():
        db.engine.dispose()


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    return list(diffs)


def test_migrations_build_exactly_the_models_schema(fresh_app):
    with fresh_app.app_context():
        upgrade()
    assert _differences(fresh_app) == []


def test_every_migration_downgrades_and_upgrades_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "cases" in sa.inspect(db.engine).get_table_names()


def test_event_birth_month_is_filled_from_the_case_for_existing_history(fresh_app):
    """Migration g1 copies each case's birth month onto the history it already had."""
    from toeleiding.cases.operations import register_case
    from toeleiding.demo.commands import load_region
    from toeleiding.demo.data import REGIONS

    from .factories import child

    with fresh_app.app_context():
        upgrade()
        users = load_region("ijmond", REGIONS["ijmond"])
        born = [register_case(users["jgz"], "GM0375", child(months=m), []).birth_month for m in (25, 31, 40)]
        db.session.commit()
        downgrade(revision="f1_chain_in_database")   # the history as it was: no birth month on it
        upgrade()
        rows = db.session.execute(sa.text(
            "SELECT e.birth_month, c.birth_month FROM case_events e JOIN cases c ON c.id = e.case_id")).all()
    assert len(rows) == 3
    assert sorted(str(event) for event, _case in rows) == sorted(str(b) for b in born)
    assert all(event == case for event, case in rows)
