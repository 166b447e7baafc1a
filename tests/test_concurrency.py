"""No lost updates: one version per transition, and two writers of one case at the same moment.

The races run on PostgreSQL's real row locks. Each request runs in its own thread, app context,
session and connection. A barrier at the first flush of each request holds both until both
have read the case and passed the version check, so the database's versioned UPDATE, not the
read-then-check, has to decide.
"""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from toeleiding.models import AccessLogEntry, CaseEvent
from toeleiding.extensions import db

from .factories import HANDOVER_FORM, ApiClient, days_ago

DATA = {"indicate": {"criteria": ["home_language"], "indication_date": days_ago(1)},
        "reject": {"reason_text": "Geen risicofactoren gevonden."}}


@pytest.fixture
def race():
    """``race(*requests)`` runs the callables at once, meeting at their first flush."""
    local = threading.local()

    def run(*requests):
        barrier = threading.Barrier(len(requests))

        def hold(session, flush_context, instances):
            if getattr(local, "armed", False):
                local.armed = False
                barrier.wait()

        def worker(i, request):
            local.armed = True
            try:
                results[i] = request()
            finally:
                if local.armed:   # finished without writing: release the others instead of hanging
                    barrier.abort()

        results = [None] * len(requests)
        event.listen(Session, "before_flush", hold)
        try:
            threads = [threading.Thread(target=worker, args=(i, r)) for i, r in enumerate(requests)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            event.remove(Session, "before_flush", hold)
        assert not barrier.broken, "a request ended before its first write; see its response"
        return results
    return run


def test_each_transition_raises_the_version_by_exactly_one(api, world):
    # The version a client sends back is the count of steps it has seen; the history is numbered alike.
    jgz, ve = api("jgz"), api("ve")
    case = jgz.register()
    path = [(jgz, "indicate", {"criteria": ["home_language"], "indication_date": days_ago(20)}),
            (jgz, "refer", {"location_id": world.ids["loc"], "consent": True, "referral_date": days_ago(15)}),
            (ve, "place", {"start_date": days_ago(10), "hours_per_week": 16}),
            (ve, "hand_over_to_school", {"school_id": world.ids["school"], "handover_date": days_ago(1), **HANDOVER_FORM}),
            (ve, "close", {"outcome": "at_school", "date": days_ago(0)})]
    for who, trigger, data in path:
        moved = who.fire(case, trigger, **data)
        assert moved["version"] == case["version"] + 1, trigger
        assert [h["seq"] for h in moved["history"]] == list(range(1, moved["version"] + 1))
        case = moved


@pytest.mark.postgres
@pytest.mark.parametrize("triggers", [("indicate", "indicate"), ("indicate", "reject"), ("refer", "refer")])
def test_two_transitions_with_the_same_version_at_once_one_wins(app, world, postgres, race, triggers):
    # Two signed-in clients of their own, so no test-client state is shared between the threads.
    nurses = [ApiClient.sign_in(app.test_client(), world.emails["jgz"]) for _ in triggers]
    case = nurses[0].register()
    data = {**DATA, "refer": {"location_id": world.ids["loc"], "consent": True, "referral_date": days_ago(0)}}
    if triggers[0] == "refer":
        # A referral also writes the provider's scope row: the loser must not collide on it (a 500).
        case = nurses[0].fire(case, "indicate", **DATA["indicate"])

    def fire(nurse, trigger):
        return lambda: nurse.post(f"/cases/{case['id']}/transitions",
                                  {"trigger": trigger, "version": case["version"], "data": data[trigger]})
    responses = race(*(fire(n, t) for n, t in zip(nurses, triggers)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.json for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json
    loser = next(r for r in responses if r.status_code == 409).json
    assert loser["error"]["code"] == "stale_version" and loser["error"]["field"] == "version"

    after = nurses[0].get(f"/cases/{case['id']}").json
    assert after["version"] == case["version"] + 1 and after["state"] == winner["state"]
    assert [h["trigger"] for h in after["history"]][-1] == winner["history"][-1]["trigger"]
    assert len(after["history"]) == case["version"] + 1
    with app.app_context():
        cid = uuid.UUID(case["id"])
        assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == cid)) == case["version"] + 1
        logged = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.result).where(
            AccessLogEntry.case_id == cid, AccessLogEntry.action.like("transition:%"))).all()
    allowed = [a for a, r in logged if r == "allowed"]
    assert allowed[-1] == f"transition:{winner['history'][-1]['trigger']}" and len(allowed) == case["version"]
    # The loser's attempt is on record as refused, once, and left no allowed row.
    loser_trigger = triggers[1] if winner["history"][-1]["trigger"] == triggers[0] else triggers[0]
    assert [a for a, r in logged if r == "denied"] == [f"transition:{loser_trigger}"]


@pytest.mark.postgres
def test_the_loser_can_retry_with_the_new_version(app, world, postgres, race):
    nurses = [ApiClient.sign_in(app.test_client(), world.emails["jgz"]) for _ in range(2)]
    case = nurses[0].register()
    responses = race(*(lambda n=n: n.post(f"/cases/{case['id']}/transitions", {
        "trigger": "indicate", "version": 1, "data": DATA["indicate"]}) for n in nurses))
    loser = next(n for n, r in zip(nurses, responses) if r.status_code == 409)
    fresh = loser.get(f"/cases/{case['id']}").json
    closed = loser.fire(fresh, "close", outcome="not_target_group", date=days_ago(0))
    assert closed["version"] == 3 and [h["seq"] for h in closed["history"]] == [1, 2, 3]
