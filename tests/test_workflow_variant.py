"""The workflow is data: the same engine, work-list, reminder and monitor tests run against the
product's workflow file and a region's variant of it (tests/workflows/variant_intake.yaml: an
intake appointment between referral and placement, a renamed reason, an extra reminder rule),
with no Python changed."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from toeleiding import create_app
from toeleiding.extensions import db

from .conftest import _empty_database
from .test_reminders import Region, day
from .web.conftest import WebClient

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variant:
    """What each file calls the step a referred child waits in before its placement."""
    file: Path
    to_waiting: tuple[tuple[str, dict], ...]   # transitions after the referral (trigger, data)
    waiting_state: str
    waiting_since: int      # the day the child entered it
    ve_list: str            # the provider's work-list heading of that state
    waiting_rule: str       # the reminder rule of that state, and its first day
    rule_after_days: int
    rule_label_en: str
    no_contact_reason: str  # the file's name for "no contact with the parents"


VARIANTS = {
    "default": Variant(ROOT / "workflows" / "toeleiding.yaml", (), "referred", 1, "new",
                       "referral_unanswered", 10, "Referral not yet answered by the provider", "no_contact"),
    "intake": Variant(ROOT / "tests" / "workflows" / "variant_intake.yaml",
                      (("plan_intake", {"intake_date": day(2).isoformat()}),), "intake", 2, "intake",
                      "intake_without_place", 14, "Intake planned, no place yet", "unreachable"),
}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request) -> Variant:
    return VARIANTS[request.param]


@pytest.fixture
def app(base_config, migrated, variant):
    """The suite's app, on either workflow file."""
    _empty_database(base_config)
    app = create_app({**base_config, "WORKFLOW_FILE": str(variant.file)})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def region(app, client, runner, world):
    return Region(app, client, runner, world)


def _waiting(region: Region, variant: Variant) -> dict:
    """A child referred on day 1 and moved on to the file's waiting step."""
    region.at_day(0)
    jgz = region.who("jgz")
    case = jgz.fire(region.register(), "indicate", criteria=["home_language"], indication_date=day(0).isoformat())
    region.at_day(1)
    case = region.who("jgz").fire(case, "refer", location_id=region.world.ids["loc"], consent=True, referral_date=day(1).isoformat())
    for trigger, data in variant.to_waiting:
        region.at_day(2)
        case = region.who("ve").fire(case, trigger, **data)
    return case


def test_a_child_walks_the_files_path_to_a_placement(region, variant):
    region.at_day(0)
    case = _waiting(region, variant)
    assert case["state"] == variant.waiting_state
    assert "place" in region.who("ve").get(f"/cases/{case['id']}").json["triggers"]
    workflow = region.who("jgz").get("/workflow").json
    assert variant.waiting_state in {s["name"] for s in workflow["states"]}
    region.at_day(20)
    placed = region.who("ve").fire(case, "place", start_date=day(20).isoformat(), hours_per_week=16)
    assert placed["state"] == "placed"
    assert placed["version"] == len(placed["history"])


def test_the_waiting_child_is_on_the_providers_list_under_the_files_heading(app, region, variant):
    region.at_day(0)
    _waiting(region, variant)
    ve = WebClient(app)
    ve.sign_in(region.world.emails["ve"])
    page = ve.get(f"/werkvoorraad?lijst={variant.ve_list}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'aria-current="page"' in body and "Testkind" in body


def test_the_files_reminder_rule_fires_for_the_waiting_child(region, variant):
    region.at_day(0)
    case = _waiting(region, variant)
    region.sweep(variant.waiting_since + variant.rule_after_days - 1, hour=23)
    assert variant.waiting_rule not in region.rules("ve", case)
    region.sweep(variant.waiting_since + variant.rule_after_days + 1, hour=8)
    assert variant.waiting_rule in region.rules("ve", case)
    ve = region.who("ve")
    english = region.client.get("/api/v1/reminders", headers={**ve.headers, "Accept-Language": "en"})
    assert variant.rule_label_en in {i["rule_label"] for i in english.json["items"]}


def test_the_monitor_counts_the_waiting_child_and_the_files_reasons(region, variant):
    _waiting(region, variant)
    region.at_day(2)
    jgz = region.who("jgz")
    gone = jgz.fire(region.register(), "indicate", criteria=["home_language"], indication_date=day(2).isoformat())
    region.at_day(3)
    region.who("jgz").fire(gone, "report_not_reached", reason=variant.no_contact_reason, date=day(3).isoformat())
    region.at_day(5)
    monitor = region.who("admin").get(f"/monitor?region=ijmond&peildatum={day(5).isoformat()}").json
    cells = next(m for m in monitor["municipalities"] if m["code"] == "GM0375")["cells"]
    assert cells["target_group"]["value"] == 2
    assert cells["not_yet_placed"]["value"] == 1
    assert cells[f"not_reached_{variant.no_contact_reason}"]["value"] == 1
    assert cells["not_reached"]["value"] == 1
