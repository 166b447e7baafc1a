"""Reminders, driven by a controllable clock: every default rule fires on its day, repeats,
escalates and stops when the case moves on; the inbox API, done and snooze; the bereik-overleg.

Time moves through ``app.config["CLOCK_NOW"]`` for requests and ``flask reminders run --now``
for the sweep, exactly as operators use it.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from toeleiding import clock
from toeleiding.extensions import db
from toeleiding.reminders.models import MeetingNote, Reminder

from .factories import ApiClient, child

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)   # a Monday morning in the Netherlands


def day(n: int) -> dt.date:
    return T0.date() + dt.timedelta(days=n)


class Region:
    """The test world at a movable time: sign in as anyone, fire transitions, sweep, read inboxes."""

    def __init__(self, app, client, runner, world):
        self.app, self.client, self.runner, self.world = app, client, runner, world
        self.at(T0)

    def at(self, moment: dt.datetime) -> None:
        self.app.config["CLOCK_NOW"] = moment

    def at_day(self, n: int, hour: int = 10, minute: int = 0) -> None:
        self.at(dt.datetime.combine(day(n), dt.time(hour, minute), clock.LOCAL_TZ))

    def who(self, name: str) -> ApiClient:
        return ApiClient.sign_in(self.client, self.world.emails[name])   # a fresh token at the current time

    def sweep(self, n: int, hour: int = 0, minute: int = 0) -> str:
        """Run `flask reminders run --now` at local time ``hour:minute`` on day ``n``; moves the clock there."""
        moment = dt.datetime.combine(day(n), dt.time(hour, minute))
        result = self.runner.invoke(args=["reminders", "run", "--now", moment.isoformat()])
        assert result.exit_code == 0, result.output
        self.at(moment.replace(tzinfo=clock.LOCAL_TZ))
        return result.output

    def register(self, months: int = 36, municipality: str = "GM0375", **child_kw) -> dict:
        with self.app.app_context():   # so the factory's "today" is the moved clock's
            data = child(months=months, **child_kw)
        r = self.who("jgz").post("/cases", {"municipality": municipality, "child": data})
        assert r.status_code == 201, r.json
        return r.json

    def inbox(self, name: str, state: str = "open") -> list[dict]:
        r = self.who(name).get(f"/reminders?state={state}")
        assert r.status_code == 200, r.json
        return r.json["items"]

    def rules(self, name: str, case: dict | None = None, state: str = "open") -> list[str]:
        return sorted(i["rule"] for i in self.inbox(name, state) if case is None or i["case_id"] == case["id"])


@pytest.fixture
def region(app, client, runner, world):
    return Region(app, client, runner, world)


def _indicated(region, months=36, n=0):
    jgz = region.who("jgz")
    case = region.register(months)
    return jgz.fire(case, "indicate", criteria=["home_language"], indication_date=day(n).isoformat())


def _referred(region, months=36, n=0):
    case = _indicated(region, months, n)
    return region.who("jgz").fire(case, "refer", location_id=region.world.ids["loc"], consent=True,
                                  referral_date=day(n).isoformat())


# --- each default rule, on its day -------------------------------------------------------------

def test_indicated_not_referred_reminds_jgz_at_14_days_then_every_14_until_referred(region):
    case = _indicated(region)
    region.sweep(13, 23, 59)
    assert region.rules("jgz", case) == []
    region.sweep(14)
    assert region.rules("jgz", case) == ["indicated_not_referred"]
    region.sweep(27, 23, 59)
    assert len(region.inbox("jgz")) == 1
    region.sweep(28)
    items = region.inbox("jgz")
    assert [i["rule"] for i in items] == ["indicated_not_referred"] * 2
    assert items[0]["due_at"] < items[1]["due_at"]
    # Referral answers the reminders: they leave the inbox, the provider's rule starts.
    region.who("jgz").fire(region.who("jgz").get(f"/cases/{case['id']}").json, "refer",
                           location_id=region.world.ids["loc"], consent=True, referral_date=day(28).isoformat())
    assert region.inbox("jgz") == []
    for n in (38, 48, 58):
        region.sweep(n)
    assert region.rules("jgz", case) == ["referral_unanswered"]   # escalated; no indicated_not_referred again


def test_referral_unanswered_goes_to_the_provider_twice_then_escalates_to_jgz(region):
    case = _referred(region)
    region.sweep(9, 23, 59)
    assert region.inbox("ve") == []
    region.sweep(10)
    assert region.rules("ve", case) == ["referral_unanswered"]
    assert region.inbox("ve2") == []                            # only the provider of the location
    region.sweep(20)
    assert region.rules("ve", case) == ["referral_unanswered"] * 2
    assert region.rules("jgz", case) == []
    region.sweep(30)
    assert region.rules("ve", case) == ["referral_unanswered"] * 2   # no third to the provider
    assert region.rules("jgz", case) == ["referral_unanswered"]     # after 2 unanswered: JGZ
    # The provider answers by placing: every reminder of the referral is gone, for both.
    ve = region.who("ve")
    ve.fire(ve.get(f"/cases/{case['id']}").json, "place", start_date=day(30).isoformat(), hours_per_week=16)
    assert region.inbox("ve") == [] and region.inbox("jgz") == []
    region.sweep(200)
    assert "referral_unanswered" not in region.rules("ve") + region.rules("jgz")


def test_waitlisted_reminds_the_provider_every_28_days_and_after_3_the_cjg(region):
    case = _referred(region)
    region.who("ve").fire(case, "waitlist", waitlist_date=day(0).isoformat())   # effective today: T0
    for n, count in [(27, 0), (28, 1), (56, 2), (84, 3), (112, 3)]:
        region.sweep(n)
        assert region.rules("ve", case).count("waitlisted_long") == count, n
    assert region.rules("cjg", case) == ["waitlisted_long"]         # the CJG serving Beverwijk
    assert region.inbox("cjg2") == []                              # not Heemskerk's
    region.sweep(140)
    assert region.rules("cjg", case) == ["waitlisted_long"] * 2    # and every 28 days after


@pytest.mark.parametrize("reason,first,second,third", [
    ("no_contact", 7, 21, 35),          # 7 days, every 14
    ("parents_declined", 14, 90, None),  # 14 days, again at 90, then no more
    ("other", 14, 44, 74),              # 14 days, every 30
    ("medical", 21, 51, 81),            # any other reason: 21 days, every 30
])
def test_not_reached_rule_depends_on_the_reason(region, reason, first, second, third):
    case = _indicated(region)
    extra = {"reason_text": "Toelichting van de verpleegkundige."} if reason == "other" else {}
    region.who("jgz").fire(case, "report_not_reached", reason=reason, date=day(0).isoformat(), **extra)
    expected = {"no_contact": "not_reached_no_contact", "parents_declined": "not_reached_declined",
                "other": "not_reached_other", "medical": "not_reached_any"}[reason]
    region.sweep(first - 1, 23, 59)
    assert region.rules("cjg", case) == []
    region.sweep(first)
    assert region.rules("cjg", case) == [expected]                  # exactly one rule: the most specific
    region.sweep(second - 1, 23, 59)
    assert len(region.rules("cjg", case)) == 1
    region.sweep(second)
    assert region.rules("cjg", case) == [expected] * 2
    region.sweep(third or 400)
    assert len(region.rules("cjg", case)) == (3 if third else 2)


def test_handover_prepare_fires_on_the_day_the_placed_child_reaches_45_months(region, app):
    born = dt.date(2022, 6, 17)          # 45 months on 17 March 2026, so mid-month
    jgz = region.who("jgz")
    case = jgz.fire(region.register(birth_date=born.isoformat()), "indicate", criteria=["home_language"], indication_date=day(0).isoformat())
    case = jgz.fire(case, "refer", location_id=region.world.ids["loc"], consent=True, referral_date=day(0).isoformat())
    case = region.who("ve").fire(case, "place", start_date=day(0).isoformat(), hours_per_week=16)
    with app.app_context():
        row = db.session.scalar(select(Reminder).where(Reminder.rule == "handover_prepare"))
        # Stored: the first of the milestone month (the birth month is in clear anyway), not the day.
        assert row.anchor == dt.date(2026, 3, 1) and row.due_at.astimezone(clock.LOCAL_TZ).day == 1
    # Placed at 44 months, the child cannot reach 960 hours: the dose reminder (tests/test_dose.py) is left out here.
    rules = lambda: [r for r in region.rules("ve", case) if r != "dose_below_960"]   # noqa: E731
    region.sweep(14)                     # 16 March: past the first of the month, not yet the day
    assert rules() == []
    region.sweep(15, 0, 1)              # 17 March, just after midnight
    assert rules() == ["handover_prepare"]
    region.sweep(100)
    assert rules() == ["handover_prepare"]      # once


def test_turning_four_reminds_jgz_once_across_states_and_stops_at_closing(region, app):
    born = dt.date(2022, 3, 20)          # 48 months on 20 March 2026 (day 18)
    jgz = region.who("jgz")
    case = jgz.fire(region.register(birth_date=born.isoformat()), "indicate", criteria=["home_language"], indication_date=day(0).isoformat())
    region.sweep(17)
    assert "turning_four" not in region.rules("jgz", case)
    region.sweep(18)
    assert "turning_four" in region.rules("jgz", case)
    jgz = region.who("jgz")
    case = jgz.fire(jgz.get(f"/cases/{case['id']}").json, "report_not_reached", reason="moved", date=day(18).isoformat())
    assert "turning_four" in region.rules("jgz", case)   # still open: the child is still not at school
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reminder)
                                 .where(Reminder.rule == "turning_four")) == 1   # not re-created by the transition
    jgz = region.who("jgz")
    jgz.fire(jgz.get(f"/cases/{case['id']}").json, "close", outcome="moved_out_of_region", date=day(18).isoformat())
    assert region.rules("jgz", case) == []


def test_placing_a_child_past_the_milestone_reminds_at_the_next_sweep(region):
    case = _referred(region, months=46)
    case = region.who("ve").fire(case, "place", start_date=day(0).isoformat(), hours_per_week=16)
    region.sweep(0, 10, 1)
    # (placed at 46 months it cannot reach 960 hours: the dose reminder, tests/test_dose.py, comes too)
    assert region.rules("ve", case) == ["dose_below_960", "handover_prepare"]


# --- catching up, exactly once ---------------------------------------------------------------

def test_after_three_days_down_one_reminder_per_case_and_rule_not_a_flood(region, app):
    cases = [_indicated(region) for _ in range(5)]
    for c in cases:
        region.who("jgz").fire(c, "report_not_reached", reason="no_contact", date=day(0).isoformat())
    region.sweep(7)
    assert len(region.inbox("cjg")) == 5
    # Down from day 20 to day 23: the occurrence of day 21 comes once, then the schedule goes on.
    out = region.sweep(23, 9)
    assert "delivered 5," in out
    assert len(region.inbox("cjg")) == 10
    # Down for months: one reminder per case and rule, and the next one interval after today.
    out = region.sweep(120)
    assert "delivered 5," in out
    assert len(region.inbox("cjg")) == 15
    region.sweep(133, 23, 59)
    assert len(region.inbox("cjg")) == 15
    region.sweep(134)
    assert len(region.inbox("cjg")) == 20
    with app.app_context():
        pending = db.session.execute(select(Reminder.case_id, func.count())
                                     .where(Reminder.state == "pending", Reminder.rule == "not_reached_no_contact")
                                     .group_by(Reminder.case_id)).all()
        assert len(pending) == 5 and {n for _, n in pending} == {1}


def test_a_second_sweep_at_the_same_time_delivers_nothing_again(region):
    _indicated(region)
    assert "delivered 1," in region.sweep(14)
    assert "delivered 0," in region.sweep(14)


# --- inbox: list, done, snooze ---------------------------------------------------------------

def test_inbox_lists_case_id_rule_due_date_and_state_only(region):
    case = _indicated(region)
    region.sweep(14)
    item, = region.inbox("jgz")
    assert set(item) == {"id", "case_id", "rule", "rule_label", "due_at", "delivered_at", "state", "snoozed_until"}
    assert item["case_id"] == case["id"] and item["state"] == "open"
    assert dt.datetime.fromisoformat(item["due_at"]).astimezone(clock.LOCAL_TZ) == \
        dt.datetime.combine(day(14), dt.time(0), clock.LOCAL_TZ)
    assert "Testkind" not in str(item) and "Fictiefsma" not in str(item)
    # Other organisations and roles have empty inboxes.
    assert region.inbox("jgz_bev") == [] and region.inbox("ve") == [] and region.inbox("cjg") == []
    r = region.who("gemeente").get("/reminders")
    assert r.status_code == 200 and r.json["items"] == []


def test_done_takes_a_reminder_out_of_the_inbox_but_the_chain_goes_on(region):
    case = _indicated(region)
    region.sweep(14)
    item, = region.inbox("jgz")
    r = region.who("jgz").post(f"/reminders/{item['id']}/done")
    assert r.status_code == 200 and r.json["state"] == "done"
    assert region.inbox("jgz") == [] and len(region.inbox("jgz", "done")) == 1
    assert region.who("jgz").post(f"/reminders/{item['id']}/done").status_code == 200   # idempotent
    region.sweep(28)
    assert region.rules("jgz", case) == ["indicated_not_referred"]   # still not referred


def test_someone_else_cannot_touch_a_reminder(region):
    _indicated(region)
    region.sweep(14)
    item, = region.inbox("jgz")
    for who in ("jgz_bev", "ve", "cjg"):
        r = region.who(who).post(f"/reminders/{item['id']}/done")
        assert r.status_code == 404, who
        r = region.who(who).post(f"/reminders/{item['id']}/snooze", {"until": day(20).isoformat(), "reason": "x"})
        assert r.status_code == 404, who
    assert region.who("jgz").post("/reminders/abc/done").status_code == 404
    assert region.who("jgz").post("/reminders/999999/done").status_code == 404
    assert region.inbox("jgz")[0]["state"] == "open"


@pytest.mark.parametrize("body,field", [
    ({"reason": "Moeder belt terug."}, "until"),
    ({"until": "morgen", "reason": "Moeder belt terug."}, "until"),
    ({"until": "2026-03-16", "reason": "Moeder belt terug."}, "until"),      # today: not later
    ({"until": "2026-09-01", "reason": "Moeder belt terug."}, "until"),      # beyond 90 days
    ({"until": "2026-03-20"}, "reason"),
    ({"until": "2026-03-20", "reason": "   "}, "reason"),
    ({"until": "2026-03-20", "reason": "x" * 2001}, "reason"),
    ({"until": "2026-03-20", "reason": 12}, "reason"),
])
def test_snooze_refuses_bad_input_naming_the_field_and_stores_nothing(region, body, field):
    _indicated(region)
    region.sweep(14)   # 16 March 2026
    item, = region.inbox("jgz")
    r = region.who("jgz").post(f"/reminders/{item['id']}/snooze", body)
    assert r.status_code == 422 and r.json["error"]["field"] == field
    assert region.inbox("jgz")[0]["state"] == "open"
    assert region.who("jgz").post(f"/reminders/{item['id']}/snooze", data="nope").status_code == 400


def test_snooze_brings_the_reminder_back_on_the_day_without_a_second_next_occurrence(region, app):
    case = _indicated(region)
    region.sweep(14)
    item, = region.inbox("jgz")
    r = region.who("jgz").post(f"/reminders/{item['id']}/snooze",
                               {"until": day(20).isoformat(), "reason": "Moeder Fictiefsma belt volgende week terug."})
    assert r.status_code == 200 and r.json["state"] == "snoozed" and r.json["snoozed_until"] == day(20).isoformat()
    assert region.inbox("jgz") == [] and len(region.inbox("jgz", "snoozed")) == 1
    with app.app_context():
        raw = db.session.scalar(select(Reminder._snooze_reason).where(Reminder.id == item["id"]))
        assert b"Fictiefsma" not in raw   # free text only encrypted
        assert db.session.get(Reminder, item["id"]).snooze_reason.startswith("Moeder")
    region.sweep(19, 23, 59)
    assert region.inbox("jgz") == []
    region.sweep(20)
    assert [i["id"] for i in region.inbox("jgz")] == [item["id"]]
    region.sweep(28)   # the chain paused with the snooze: its next comes 14 days after day 20
    assert region.rules("jgz", case) == ["indicated_not_referred"]
    region.sweep(34)
    assert region.rules("jgz", case) == ["indicated_not_referred"] * 2   # one next occurrence, not two
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.state == "pending", Reminder.rule == "indicated_not_referred")) == 1


def test_snooze_pauses_the_chain_so_the_escalation_waits_for_unanswered_reminders(region):
    case = _referred(region)
    region.sweep(10)
    item, = region.inbox("ve")
    r = region.who("ve").post(f"/reminders/{item['id']}/snooze",
                              {"until": day(40).isoformat(), "reason": "Intake gepland na de zomerstop."})
    assert r.status_code == 200
    for n in (20, 30, 39):
        region.sweep(n)
        assert region.inbox("ve") == [] and region.inbox("jgz") == [], n   # no 2nd reminder, no escalation
    region.sweep(40)
    assert [i["id"] for i in region.inbox("ve")] == [item["id"]]            # back on its day
    region.sweep(49, 23, 59)
    assert len(region.inbox("ve")) == 1
    region.sweep(50)                                                         # one interval after the snooze
    assert region.rules("ve", case) == ["referral_unanswered"] * 2 and region.inbox("jgz") == []
    region.sweep(59, 23, 59)
    assert region.inbox("jgz") == []
    region.sweep(60)                                                         # two unanswered: JGZ
    assert region.rules("jgz", case) == ["referral_unanswered"]


def test_done_handles_one_reminder_and_the_chain_escalates_while_the_case_stays_put(region):
    case = _referred(region)
    region.sweep(10)
    item, = region.inbox("ve")
    assert region.who("ve").post(f"/reminders/{item['id']}/done").status_code == 200
    region.sweep(20)
    assert region.rules("ve", case) == ["referral_unanswered"]   # the child is still not placed
    region.sweep(30)
    assert region.rules("jgz", case) == ["referral_unanswered"]


def test_a_cancelled_reminder_cannot_be_done_or_snoozed(region, app):
    case = _indicated(region)
    region.sweep(14)
    item, = region.inbox("jgz")
    jgz = region.who("jgz")
    jgz.fire(jgz.get(f"/cases/{case['id']}").json, "refer", location_id=region.world.ids["loc"], consent=True,
             referral_date=day(14).isoformat())
    r = region.who("jgz").post(f"/reminders/{item['id']}/done")
    assert r.status_code == 409 and r.json["error"]["field"] == "state"
    r = region.who("jgz").post(f"/reminders/{item['id']}/snooze", {"until": day(20).isoformat(), "reason": "x"})
    assert r.status_code == 409


# --- bereik-overleg -----------------------------------------------------------------------

def _overleg_world(region):
    jgz = region.who("jgz")
    stuck = _indicated(region)
    stuck = jgz.fire(stuck, "report_not_reached", reason="no_contact", date=day(0).isoformat())
    waiting = _referred(region)
    waiting = region.who("ve").fire(waiting, "waitlist", waitlist_date=day(0).isoformat())
    placed = _referred(region)
    # 30 hours a week: on course for the law's 960 hours by age 4, so no dose reminder lists it.
    placed = region.who("ve").fire(placed, "place", start_date=day(0).isoformat(), hours_per_week=30)
    elsewhere = region.register(municipality="GM0396")
    jgz.fire(jgz.fire(elsewhere, "indicate", criteria=["home_language"], indication_date=day(0).isoformat()),
             "report_not_reached", reason="no_contact", date=day(0).isoformat())
    return stuck, waiting, placed


def test_bereik_overleg_lists_children_not_reached_or_waiting_with_days_and_open_reminders(region):
    stuck, waiting, placed = _overleg_world(region)
    region.sweep(10)
    r = region.who("jgz").get("/bereik-overleg/GM0375")
    assert r.status_code == 200
    items = {i["case_id"]: i for i in r.json["items"]}
    assert set(items) == {stuck["id"], waiting["id"]}               # not the placed child, not Heemskerk's
    assert items[stuck["id"]]["days"] == 10 and items[stuck["id"]]["not_reached_reason"] == "no_contact"
    assert [x["rule"] for x in items[stuck["id"]]["reminders"]] == ["not_reached_no_contact"]
    assert items[stuck["id"]]["reminders"][0]["organisation"] == "CJG Test Beverwijk"
    assert "Testkind" not in r.get_data(as_text=True)
    # The provider sees its own children only; the CJG only those ever not reached.
    assert {i["case_id"] for i in region.who("ve").get("/bereik-overleg/GM0375").json["items"]} == {waiting["id"]}
    assert {i["case_id"] for i in region.who("cjg").get("/bereik-overleg/GM0375").json["items"]} == {stuck["id"]}
    assert region.who("gemeente").get("/bereik-overleg/GM0375").status_code == 403
    assert region.who("jgz").get("/bereik-overleg/GM0664").status_code == 404   # another region
    r = region.who("jgz").get("/bereik-overleg/GM9999")
    assert r.status_code == 422 and r.json["error"]["field"] == "municipality"
    for odd in ("x" * 300, "%F0%9F%98%80"):   # never reaches the database as text
        r = region.who("jgz").get(f"/bereik-overleg/{odd}")
        assert r.status_code == 422 and r.json["error"]["field"] == "municipality", odd
    assert region.who("jgz").get("/bereik-overleg/GM%00375").status_code == 400   # NUL: refused for every route


def test_bereik_overleg_note_is_stored_encrypted_and_shown_to_the_meeting(region, app):
    stuck, waiting, _ = _overleg_world(region)
    cjg = region.who("cjg")
    text = "CJG belt familie Fictiefsma deze week; JGZ plant huisbezoek."
    r = cjg.post("/bereik-overleg/GM0375/notes", {"case_id": stuck["id"], "text": text})
    assert r.status_code == 201 and r.json["text"] == text
    shown = region.who("jgz").get("/bereik-overleg/GM0375").json["items"]
    note, = next(i for i in shown if i["case_id"] == stuck["id"])["notes"]
    assert note["text"] == text and note["organisation"] == "CJG Test Beverwijk"
    with app.app_context():
        raw = db.session.scalar(select(MeetingNote._text))
        assert b"Fictiefsma" not in raw and b"huisbezoek" not in raw


@pytest.mark.parametrize("body,status,field", [
    ({"text": "iets"}, 404, None),                               # no case
    ({"case_id": "not-a-uuid", "text": "iets"}, 404, None),
    ({"case": "waiting", "text": "   "}, 422, "text"),
    ({"case": "waiting", "text": "x" * 2001}, 422, "text"),
    ({"case": "heemskerk", "text": "iets"}, 422, "case_id"),      # a child of another municipality
])
def test_bereik_overleg_note_refusals_store_nothing(region, app, body, status, field):
    stuck, waiting, _ = _overleg_world(region)
    jgz = region.who("jgz")
    if body.get("case") == "waiting":
        body = {"case_id": waiting["id"], "text": body["text"]}
    elif body.get("case") == "heemskerk":
        other = region.register(municipality="GM0396")
        body = {"case_id": other["id"], "text": body["text"]}
    r = jgz.post("/bereik-overleg/GM0375/notes", body)
    assert r.status_code == status
    if field:
        assert r.json["error"]["field"] == field
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingNote)) == 0


def test_the_cjg_cannot_note_on_a_child_outside_its_scope(region):
    _, waiting, _ = _overleg_world(region)
    r = region.who("cjg").post("/bereik-overleg/GM0375/notes", {"case_id": waiting["id"], "text": "iets"})
    assert r.status_code == 404


def test_sync_command_re_derives_without_duplicating(region, app):
    _indicated(region)
    region.sweep(14)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Reminder))
    result = region.runner.invoke(args=["reminders", "sync"])
    assert result.exit_code == 0 and "synced 1 cases" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reminder)) == before
    assert len(region.inbox("jgz")) == 1


# --- stops when the case moves on, and never a minute early ------------------------------------

def _pending(app, rule: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.rule == rule, Reminder.state.in_(("pending", "open", "snoozed")))) or 0


def _current(region, who: str, case: dict) -> dict:
    return region.who(who).get(f"/cases/{case['id']}").json


def test_referral_unanswered_repeats_and_escalation_not_a_minute_early(region):
    case = _referred(region)
    region.sweep(10)
    region.sweep(19, 23, 59)
    assert region.rules("ve", case) == ["referral_unanswered"]
    region.sweep(20)
    assert region.rules("ve", case) == ["referral_unanswered"] * 2
    region.sweep(29, 23, 59)
    assert region.rules("jgz", case) == []
    region.sweep(30)
    assert region.rules("jgz", case) == ["referral_unanswered"]
    region.sweep(39, 23, 59)
    assert region.rules("jgz", case) == ["referral_unanswered"]
    region.sweep(40)
    assert region.rules("jgz", case) == ["referral_unanswered"] * 2


def test_waitlisted_long_repeats_and_escalation_not_a_minute_early(region):
    case = region.who("ve").fire(_referred(region), "waitlist", waitlist_date=day(0).isoformat())
    for n, ve, cjg in [(28, 1, 0), (56, 2, 0), (84, 3, 0), (112, 3, 1), (140, 3, 2)]:
        region.sweep(n - 1, 23, 59)          # the minute before: still the previous count
        before = (ve - 1, cjg) if cjg == 0 else (ve, cjg - 1)
        assert (region.rules("ve", case).count("waitlisted_long"),
                region.rules("cjg", case).count("waitlisted_long")) == before, n
        region.sweep(n)
        assert (region.rules("ve", case).count("waitlisted_long"),
                region.rules("cjg", case).count("waitlisted_long")) == (ve, cjg), n


def test_waitlisted_long_stops_when_the_child_is_placed(region, app):
    case = region.who("ve").fire(_referred(region), "waitlist", waitlist_date=day(0).isoformat())
    region.sweep(28)
    assert region.rules("ve", case) == ["waitlisted_long"]
    ve = region.who("ve")
    ve.fire(_current(region, "ve", case), "place", start_date=day(30).isoformat(), hours_per_week=16)
    assert "waitlisted_long" not in region.rules("ve", case)
    assert _pending(app, "waitlisted_long") == 0
    for n in (56, 84, 112, 140):
        region.sweep(n)
    assert "waitlisted_long" not in region.rules("ve") + region.rules("cjg")


@pytest.mark.parametrize("move", ["re_refer", "close"])
@pytest.mark.parametrize("reason,first,rule", [
    ("no_contact", 7, "not_reached_no_contact"),
    ("parents_declined", 14, "not_reached_declined"),
    ("other", 14, "not_reached_other"),
    ("medical", 21, "not_reached_any"),
])
def test_not_reached_reminders_stop_when_the_cjg_re_refers_or_closes(region, app, reason, first, rule, move):
    case = _indicated(region)
    extra = {"reason_text": "Toelichting van de verpleegkundige."} if reason == "other" else {}
    region.who("jgz").fire(case, "report_not_reached", reason=reason, date=day(0).isoformat(), **extra)
    region.sweep(first)
    assert region.rules("cjg", case) == [rule]
    cjg = region.who("cjg")
    current = _current(region, "cjg", case)
    if move == "re_refer":
        cjg.fire(current, "re_refer", location_id=region.world.ids["loc"], consent=True,
                 referral_date=day(first).isoformat())
    else:
        cjg.fire(current, "close", outcome="consent_withdrawn", date=day(first).isoformat())
    assert region.rules("cjg", case) == []
    assert _pending(app, rule) == 0
    for n in (first + 30, first + 90, 200):
        region.sweep(n)
    assert rule not in region.rules("cjg") + region.rules("cjg", state="done")


def test_handover_prepare_is_cancelled_by_a_handover_before_45_months(region, app):
    born = dt.date(2022, 8, 17)          # 43 months on day 0; 45 months on 17 May 2026 (day 76)
    jgz = region.who("jgz")
    case = jgz.fire(region.register(birth_date=born.isoformat()), "indicate", criteria=["home_language"],
                    indication_date=day(0).isoformat())
    case = jgz.fire(case, "refer", location_id=region.world.ids["loc"], consent=True, referral_date=day(0).isoformat())
    case = region.who("ve").fire(case, "place", start_date=day(0).isoformat(), hours_per_week=16)
    assert _pending(app, "handover_prepare") == 1
    region.sweep(30)
    region.at_day(30)
    region.who("ve").fire(_current(region, "ve", case), "hand_over_to_school", school_id=region.world.ids["school"],
                          handover_date=day(30).isoformat())
    assert _pending(app, "handover_prepare") == 0
    for n in (75, 76, 77, 120):
        region.sweep(n)
    assert "handover_prepare" not in region.rules("ve", case)


# --- nobody to send it to: the region's JGZ, and a warning without the child ---------------------

def _goes_case(region) -> tuple[dict, str]:
    """A child in Goes, where no CJG is registered; returns the case and its BSN."""
    with region.app.app_context():
        data = child(months=36)
    r = region.who("jgz_bev").post("/cases", {"municipality": "GM0664", "child": data})
    assert r.status_code == 201, r.json
    return r.json, data["bsn"]


def test_a_not_reached_child_where_no_cjg_serves_reminds_the_regions_jgz_and_warns(region, caplog):
    case, bsn = _goes_case(region)
    jgz = region.who("jgz_bev")
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=day(0).isoformat())
    with caplog.at_level("WARNING", logger="toeleiding.reminders"):
        jgz.fire(case, "report_not_reached", reason="no_contact", date=day(0).isoformat())
    region.sweep(7)
    assert region.rules("jgz_bev", case) == ["not_reached_no_contact"]
    assert region.inbox("cjg") == [] and region.inbox("jgz") == []
    assert "no cjg organisation for municipality GM0664" in caplog.text
    for secret in ("Testkind", "Fictiefsma", bsn, case["id"]):
        assert secret not in caplog.text


def test_an_escalation_to_a_missing_cjg_goes_to_the_regions_jgz(region, caplog):
    case, _ = _goes_case(region)
    jgz = region.who("jgz_bev")
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=day(0).isoformat())
    case = jgz.fire(case, "refer", location_id=region.world.ids["loc_goes"], consent=True,
                    referral_date=day(0).isoformat())
    region.who("ve_bev").fire(case, "waitlist", waitlist_date=day(0).isoformat())
    for n in (28, 56, 84):
        region.sweep(n)
    assert region.rules("ve_bev", case) == ["waitlisted_long"] * 3
    with caplog.at_level("WARNING", logger="toeleiding.reminders"):
        region.sweep(112)
    assert region.rules("jgz_bev", case) == ["waitlisted_long"]
    assert "no cjg organisation for municipality GM0664" in caplog.text


def test_a_provider_rule_on_a_case_without_a_location_goes_to_the_regions_jgz(region, app, caplog):
    from types import SimpleNamespace

    from toeleiding.organisations.models import Municipality
    from toeleiding.reminders.util import addressee_for
    with app.app_context():
        beverwijk = db.session.scalar(select(Municipality.id).where(Municipality.code == "GM0375"))
        row = SimpleNamespace(registered_by_organisation_id=region.world.ids["jgz"], location_id=None,
                              municipality_id=beverwijk)
        with caplog.at_level("WARNING", logger="toeleiding.reminders"):
            assert addressee_for(row, "ve") == (region.world.ids["jgz"], "jgz")
        assert addressee_for(row, "cjg") == (region.world.ids["cjg"], "cjg")   # served: no fallback
    assert "no ve organisation for municipality GM0375" in caplog.text


def test_a_deactivated_cjg_gets_no_reminders_the_regions_jgz_does(region, app):
    # A deactivated organisation has no active users: its inbox would be read by nobody.
    from toeleiding.organisations.models import Organisation
    from toeleiding.organisations.operations import deactivate_organisation
    from toeleiding.users.models import User
    with app.app_context():
        db.session.scalar(select(User).where(User.email == region.world.emails["cjg"])).active = False
        deactivate_organisation(db.session.get(Organisation, region.world.ids["cjg"]))
        db.session.commit()
    case = _indicated(region)
    region.who("jgz").fire(case, "report_not_reached", reason="no_contact", date=day(0).isoformat())
    region.sweep(7)
    assert region.rules("jgz", case) == ["not_reached_no_contact"]
    with app.app_context():
        addressed = db.session.scalars(select(Reminder.organisation_id).where(Reminder.case_id == uuid.UUID(case["id"]))).all()
    assert region.world.ids["cjg"] not in addressed
