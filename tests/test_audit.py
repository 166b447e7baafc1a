"""The access log: complete, free of personal data, append-only, and its chain verifiable."""
from __future__ import annotations

import logging
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db

from .factories import days_ago, make_bsn


def _rows(app, case_id=None):
    with app.app_context():
        q = select(AccessLogEntry).order_by(AccessLogEntry.id)
        if case_id:
            q = q.where(AccessLogEntry.case_id == uuid.UUID(case_id))
        return [(e.action, e.role, e.result, e.client) for e in db.session.scalars(q)]


def test_ve_reading_another_providers_case_gets_404_and_a_denied_row(app, api, world):
    jgz = api("jgz")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(2))
    jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(1))
    assert api("ve2").get(f"/cases/{case['id']}").status_code == 404
    assert ("read", "ve", "denied", "api") in _rows(app, case["id"])


def test_a_refused_transition_leaves_no_allowed_row(app, api):
    jgz = api("jgz")
    case = jgz.register()
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "indicate", "version": 1,
                                                      "data": {"criteria": ["nonsense"], "indication_date": days_ago(1)}})
    assert r.status_code == 422
    assert [(a, result) for a, _r, result, _c in _rows(app, case["id"])] == [
        ("create", "allowed"), ("transition:indicate", "denied")]


def test_every_refused_attempt_is_a_denied_row_naming_the_event_and_the_case(app, api, world):
    case = api("jgz").referred(world.ids["loc"])
    cid, ve, jgz, admin = case["id"], api("ve"), api("jgz"), api("admin")
    refusals = [
        (ve.post(f"/cases/{cid}/transitions", {"trigger": "refer", "version": case["version"], "data": {}}),
         403, ("transition:refer", "ve")),
        (ve.get(f"/cases/{cid}/export"), 403, ("export", "ve")),
        (jgz.post(f"/cases/{cid}/break-glass", {"reason": "Verzoek van de rechter"}), 403, ("break_glass", "jgz")),
        (ve.post(f"/cases/{cid}/moves", {"version": case["version"], "municipality": "GM0376",
                                         "effective_date": days_ago(1)}), 403, ("move", "ve")),
        (jgz.post(f"/cases/{cid}/transitions", {"trigger": "close", "version": 1, "data": {}}),
         409, ("transition:close", "jgz")),
        (admin.get(f"/cases/{cid}/export"), 404, ("export", "admin")),
    ]
    for response, status, _row in refusals:
        assert response.status_code == status, response.json
    denied = [(a, r) for a, r, result, _c in _rows(app, cid) if result == "denied"]
    assert denied == [row for *_x, row in refusals]
    # Nothing else of a refused request is stored: the case is as it was.
    assert jgz.get(f"/cases/{cid}").json["version"] == case["version"]
    # A refusal without a case: the privacy officer's log, asked by JGZ.
    assert jgz.get(f"/audit?case_id={cid}").status_code == 403
    with app.app_context():
        row = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.case_id)
                                 .where(AccessLogEntry.result == "denied").order_by(AccessLogEntry.id.desc())).first()
    assert row == ("audit_read", None)


def test_refusals_on_pages_are_denied_rows_too(app, api, world):
    from .web.conftest import WebClient
    case = api("jgz").referred(world.ids["loc"])
    cid = case["id"]
    ve = WebClient(app).sign_in(world.emails["ve"])
    assert ve.get(f"/dossiers/{cid}/inzage").status_code == 403                       # roles_required
    page = ve.get(f"/dossiers/{cid}")
    assert page.status_code == 200
    r = ve.post(f"/dossiers/{cid}/acties/refer", {"version": str(case["version"])})    # the view answers itself
    assert r.status_code in (403, 409)
    jgz = WebClient(app).sign_in(world.emails["jgz"])
    assert jgz.get("/beheer/toegangslog").status_code == 403
    denied = [(a, role, c) for a, role, result, c in _rows(app, cid) if result == "denied"]
    assert denied == [("export", "ve", "web"), ("transition:refer", "ve", "web")]
    with app.app_context():
        last = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(1)).one()
        assert (last.action, last.role, last.result, last.case_id) == ("audit_read", "jgz", "denied", None)
    assert api("jgz").get(f"/cases/{cid}").json["version"] == case["version"]


def test_no_personal_data_in_the_log_table_or_the_application_log(app, api, caplog):
    caplog.set_level(logging.DEBUG)
    jgz = api("jgz")
    bsn = make_bsn()
    case = jgz.register(bsn=bsn, given_name="Quirijntje", family_name="Zevenbergen-Oudeweg")
    jgz.get(f"/cases/{case['id']}")
    jgz.get("/cases")
    jgz.post("/cases", {"municipality": "GM0375", "child": {"given_name": "Quirijntje", "bsn": bsn}})   # refused
    with app.app_context():
        dump = "\n".join(str(tuple(r)) for r in db.session.execute(sa.text("SELECT * FROM access_log")))
    for secret in (bsn, "Quirijntje", "Zevenbergen"):
        assert secret not in dump
        assert secret not in caplog.text


def test_update_and_delete_of_log_rows_are_refused_by_the_database(app, api):
    api("jgz").register()
    with app.app_context():
        for statement in ("UPDATE access_log SET role = 'admin'", "DELETE FROM access_log"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
        assert db.session.scalar(select(sa.func.count()).select_from(AccessLogEntry)) >= 1


@pytest.mark.postgres
def test_truncate_of_the_log_is_refused_on_postgresql(app, api, postgres):
    """TRUNCATE fires no row triggers: a statement trigger of its own refuses it."""
    api("jgz").register()
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE access_log"))
        assert db.session.scalar(select(sa.func.count()).select_from(AccessLogEntry)) >= 1


def _tamper(app, sql: str) -> None:
    """Change a row behind the application's back, as a database owner could."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only"))
            conn.execute(sa.text(sql))
            conn.execute(sa.text("ALTER TABLE access_log ENABLE TRIGGER access_log_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER access_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER access_log_no_delete"))
            conn.execute(sa.text(sql))


def test_verify_finds_a_changed_row(app, api, runner):
    jgz = api("jgz")
    for _ in range(3):
        case = jgz.register()
        jgz.get(f"/cases/{case['id']}")
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "6 rows, chain intact" in ok.output
    _tamper(app, "UPDATE access_log SET role = 'admin' WHERE id = 4")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "broken at row 4" in broken.output and "changed" in broken.output


def test_verify_finds_a_removed_row(app, api, runner):
    jgz = api("jgz")
    for _ in range(3):
        jgz.register()
    _tamper(app, "DELETE FROM access_log WHERE id = 2")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "broken at row 3" in broken.output and "removed" in broken.output


def test_privacy_officer_sees_who_looked_at_a_child(app, api, world):
    jgz = api("jgz")
    case = jgz.register()
    jgz.get(f"/cases/{case['id']}")
    assert jgz.get(f"/audit?case_id={case['id']}").status_code == 403
    admin = api("admin")
    items = admin.get(f"/audit?case_id={case['id']}").json["items"]
    assert [i["action"] for i in items] == ["read", "create"]
    csv = admin.get(f"/audit.csv?case_id={case['id']}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("id,at,user_id,role")
    user_id = jgz.get("/me").json["id"]
    assert {i["action"] for i in admin.get(f"/audit?user_id={user_id}").json["items"]} >= {"create", "read"}
    assert admin.get("/audit").status_code == 422
    assert admin.get("/audit?case_id=xyz").json["error"]["field"] == "case_id"
    # The officer's own look is on record too.
    assert "audit_read" in [a for a, *_ in _rows(app, case["id"])]


@pytest.mark.postgres
def test_writers_at_once_keep_one_unbroken_chain_in_id_order(app, api, runner, postgres):
    """PostgreSQL links the chain in a trigger: interleaved commits must still chain in id order."""
    from concurrent.futures import ThreadPoolExecutor

    from .factories import ApiClient

    case = api("jgz").register()
    token = api("jgz").headers
    start = threading.Barrier(6)

    def reader(_):
        reads = ApiClient(app.test_client(), token["Authorization"].split()[1])
        start.wait()
        return [reads.get(f"/cases/{case['id']}").status_code for _ in range(15)]

    with ThreadPoolExecutor(6) as pool:
        answers = [code for codes in pool.map(reader, range(6)) for code in codes]
    assert answers == [200] * 90
    report = runner.invoke(args=["audit", "verify"])
    assert report.exit_code == 0 and "chain intact" in report.output, report.output
    with app.app_context():
        ids = db.session.scalars(select(AccessLogEntry.id).order_by(AccessLogEntry.id)).all()
    assert len(ids) == 91 and ids == list(range(ids[0], ids[0] + 91))   # one number per row, no gaps


@pytest.mark.postgres
def test_appending_to_the_log_never_scans_the_whole_log(app, api, postgres):
    """The trigger reads the chain's head through the primary key, whatever the log's size was
    when its plan was made: a full scan per row would make every commit slower as the log grows."""
    api("jgz").register()
    with app.app_context():
        # A small, freshly analysed log (as on a new installation), and a new session whose
        # trigger makes its plan now and keeps it.
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE access_log"))
        db.engine.dispose()
    with app.app_context(), db.engine.connect() as conn:
        for n in range(20):
            conn.execute(sa.text("INSERT INTO access_log (at, role, emergency, action, result, client) "
                                 "VALUES (now(), 'jgz', false, 'read', 'allowed', 'cli')"))
        scans = conn.execute(sa.text("SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables "
                                     "WHERE relname = 'access_log'")).one()
        conn.rollback()
    assert scans.seq_scan == 0 and scans.idx_scan >= 20, scans


def test_the_chain_verifies_with_every_kind_of_value_in_its_fields(app, api, runner):
    """On PostgreSQL the trigger hashes what Python's chain_hash hashes: flagged break-the-glass
    rows, refused attempts, rows without a user or an address, times with microseconds."""
    jgz = api("jgz")
    case = jgz.register()
    admin = api("admin")
    assert admin.get(f"/cases/{case['id']}").status_code == 404                      # refused, logged
    r = admin.post(f"/cases/{case['id']}/break-glass", {"reason": "Inzageverzoek via de rechtbank"})
    assert r.status_code == 201
    assert admin.get(f"/cases/{case['id']}").status_code == 200                      # emergency row
    with app.app_context():                                                           # a job's row: no user, no address
        from toeleiding.audit.operations import log_access
        log_access(None, "erase", [None])
        db.session.commit()
    with app.app_context():
        rows = db.session.execute(select(AccessLogEntry.emergency, AccessLogEntry.on_behalf_of,
                                         AccessLogEntry.result, AccessLogEntry.ip)).all()
    assert any(e and b and b.startswith("break_glass:") for e, b, _r, _ip in rows)
    assert any(result == "denied" for _e, _b, result, _ip in rows)
    assert any(ip is None for _e, _b, _r, ip in rows)
    report = runner.invoke(args=["audit", "verify"])
    assert report.exit_code == 0 and "chain intact" in report.output, report.output


def test_verify_with_an_anchor_finds_the_newest_rows_removed(app, api, runner):
    jgz = api("jgz")
    for _ in range(3):
        jgz.register()
    first = runner.invoke(args=["audit", "verify"])
    assert first.exit_code == 0, first.output
    head = first.output.strip().splitlines()[-1].removeprefix("head: ")
    head_id = int(head.split(":")[0])
    ok = runner.invoke(args=["audit", "verify", "--anchor", head])
    assert ok.exit_code == 0 and f"anchor {head_id} present" in ok.output, ok.output
    jgz.register()   # the log grows on: the old head stays a valid anchor
    assert runner.invoke(args=["audit", "verify", "--anchor", head]).exit_code == 0
    _tamper(app, f"DELETE FROM access_log WHERE id >= {head_id}")
    # Without the anchor the shortened chain looks whole; with it, the missing row is named.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    broken = runner.invoke(args=["audit", "verify", "--anchor", head])
    assert broken.exit_code == 1 and f"broken at row {head_id}" in broken.output and "missing" in broken.output
    wrong = runner.invoke(args=["audit", "verify", "--anchor", f"1:{'0' * 64}"])
    assert wrong.exit_code == 1 and "broken at row 1" in wrong.output and "differs" in wrong.output
    assert runner.invoke(args=["audit", "verify", "--anchor", "nonsense"]).exit_code == 2


def _kept(output: str) -> dict:
    """The start and head lines of a run, as an operator keeps them."""
    return dict(line.split(": ", 1) for line in output.splitlines() if line.startswith(("start: ", "head: ")))


def test_an_intact_log_verifies_against_its_kept_start_and_head(app, api, runner):
    jgz = api("jgz")
    for _ in range(3):
        jgz.register()
    kept = _kept(runner.invoke(args=["audit", "verify"]).output)
    assert kept["start"].startswith("1:") and kept["head"].startswith("3:")
    jgz.register()
    ok = runner.invoke(args=["audit", "verify", "--start", kept["start"], "--anchor", kept["head"]])
    assert ok.exit_code == 0, ok.output
    assert "4 rows, chain intact, anchor 3 present, starts at 1 as kept" in ok.output and "note:" not in ok.output
    now = _kept(ok.output)
    assert now["start"] == kept["start"] and now["head"].startswith("4:")
    wrong = runner.invoke(args=["audit", "verify", "--start", f"1:{'0' * 64}"])
    assert wrong.exit_code == 1 and "broken at row 1" in wrong.output and "differs" in wrong.output
    for nonsense in ("1", "x:" + "0" * 64, f"99999999999:{'0' * 64}", f"1:{'0' * 63}"):
        assert runner.invoke(args=["audit", "verify", "--start", nonsense]).exit_code == 2


def test_verify_with_the_kept_start_finds_the_oldest_rows_removed(app, api, runner):
    jgz = api("jgz")
    for _ in range(4):
        jgz.register()
    kept = _kept(runner.invoke(args=["audit", "verify"]).output)
    _tamper(app, "DELETE FROM access_log WHERE id <= 2")
    # The chain from row 3 on is whole: without the kept start only a note says rows went.
    alone = runner.invoke(args=["audit", "verify"])
    assert alone.exit_code == 0 and "note: the log starts at row 3, after rows no longer in it" in alone.output
    broken = runner.invoke(args=["audit", "verify", "--start", kept["start"], "--anchor", kept["head"]])
    assert broken.exit_code == 1, broken.output
    assert "broken at row 1: rows 1–2 at the start of the log removed: it now starts at row 3" in broken.output
    # A purge the operator made (rows older than five years) is told apart by keeping its new start.
    new_start = _kept(alone.output)["start"]
    assert new_start.startswith("3:")
    assert runner.invoke(args=["audit", "verify", "--start", new_start, "--anchor", kept["head"]]).exit_code == 0


def test_verify_names_the_rows_removed_from_the_middle(app, api, runner):
    jgz = api("jgz")
    for _ in range(5):
        jgz.register()
    _tamper(app, "DELETE FROM access_log WHERE id IN (2, 3)")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "broken at row 4: does not follow row 1 (rows 2–3 before it removed)" in broken.output


@pytest.mark.postgres
def test_ids_of_a_rolled_back_transaction_are_no_false_alarm(app, api, runner, postgres):
    """PostgreSQL's sequence is not transactional: a transaction that fails after its log row was
    numbered (here a foreign key the insert breaks) leaves an id unused, the chain intact."""
    jgz = api("jgz")
    jgz.register()
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            with db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO access_log (at, user_id, role, emergency, action, result, client) "
                                     "VALUES (now(), 999999, 'jgz', false, 'read', 'allowed', 'cli')"))
    jgz.register()
    with app.app_context():
        assert db.session.scalars(select(AccessLogEntry.id).order_by(AccessLogEntry.id)).all() == [1, 3]
    report = runner.invoke(args=["audit", "verify"])
    assert report.exit_code == 0, report.output
    assert "2 rows, chain intact" in report.output and "(rolled-back transactions): 2" in report.output


@pytest.mark.postgres
def test_the_app_role_may_append_to_the_log_but_not_change_it(app, world, runner, postgres, base_config):
    """`flask audit grant-app-role`: a non-owner role that runs the app cannot UPDATE, DELETE or
    TRUNCATE the log (no trigger to switch off, no privilege to), but its inserts work."""
    from toeleiding import create_app
    role = f"toeleiding_app_{uuid.uuid4().hex[:8]}"
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    try:
        granted = runner.invoke(args=["audit", "grant-app-role", role])
        assert granted.exit_code == 0, granted.output
        url = sa.engine.make_url(base_config["SQLALCHEMY_DATABASE_URI"]).set(username=role, password=None)
        as_app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)})
        from .factories import ApiClient
        jgz = ApiClient.sign_in(as_app.test_client(), world.emails["jgz"])
        case = jgz.register()
        assert jgz.get(f"/cases/{case['id']}").status_code == 200
        with as_app.app_context():
            for statement in ("UPDATE access_log SET role = 'admin'", "DELETE FROM access_log",
                              "TRUNCATE access_log", "ALTER TABLE access_log DISABLE TRIGGER access_log_no_truncate"):
                with pytest.raises(sa.exc.DatabaseError, match="permission denied|must be owner"):
                    with db.engine.begin() as conn:
                        conn.execute(sa.text(statement))
            db.engine.dispose()
        assert [a for a, *_ in _rows(app, case["id"])] == ["create", "read"]
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    finally:
        with app.app_context(), db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
