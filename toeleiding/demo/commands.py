"""``flask demo``: load the demo, idempotently. Children are driven through the real services."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .. import clock
from ..cases.models import Case
from ..cases.operations import fire_transition, register_case
from ..extensions import db
from ..organisations.models import Location, Municipality, MunicipalityFigures, Organisation, Region
from ..organisations.operations import add_definition, create_location, create_organisation
from ..users.models import User
from ..users.operations import create_user
from .data import CRITERIA, FAMILY_NAMES, GIVEN_NAMES, PERIODS, REGIONS


def fictitious_bsns(start: int = 0):
    """Distinct nine-digit numbers that pass the elfproef, in order from ``start``.

    They start with 9 and are made up, so they are unlikely to be anyone's; the demo, the tests
    and the benchmarks all take their BSNs from here.
    """
    for k in itertools.count(start):
        digits = [9] + [int(c) for c in f"{k % 10**7:07d}"]
        check = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2))) % 11
        if check < 10:
            yield "".join(map(str, digits + [check]))


def fictitious_bsn(rng: random.Random) -> str:
    """A fictitious BSN at a random place in the sequence."""
    return next(fictitious_bsns(rng.randrange(10**7)))


@click.command("demo")
@click.option("--no-cases", is_flag=True, help="Everything but the children.")
@click.option("--cases-per-region", default=24, show_default=True)
@with_appcontext
def demo(no_cases: bool, cases_per_region: int):
    """Load both demo regions, their organisations, logins (password 'demo') and children."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data and its password 'demo' are for development only")
    for slug, spec in REGIONS.items():
        users = load_region(slug, spec)
        db.session.commit()
        if not no_cases:
            made = load_cases(slug, users, cases_per_region)
            db.session.commit()
            click.echo(f"{spec['name']}: {made} demo children added" if made else f"{spec['name']}: children already there")
    click.echo("logins (password 'demo'): " + ", ".join(f"{r}@{s}.demo" for s in REGIONS
                                                      for r in ("jgz", "ve", "ve2", "cjg", "gemeente", "admin")))


def load_region(slug: str, spec: dict) -> dict[str, User]:
    region = db.session.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        region = Region(slug=slug, name=spec["name"])
        db.session.add(region)
        db.session.flush()
    by_code: dict[str, Municipality] = {}
    for code, name, inhabitants, cbs, jgz, goab, min_age in spec["municipalities"]:
        m = db.session.scalar(select(Municipality).where(Municipality.code == code))
        if m is None:
            m = Municipality(code=code, name=name, region=region, inhabitants=inhabitants)
            db.session.add(m)
            db.session.flush()
            db.session.add(MunicipalityFigures(municipality_id=m.id, year=2025, cbs_target_group=cbs,
                                               cbs_suppressed=cbs is None, jgz_target_group=jgz,
                                               goab_budget=Decimal(goab)))
            for name_, start, end in PERIODS:
                add_definition(m, name_, start, end, min_age, CRITERIA)
        by_code[code] = m

    def org(name, kind, munis):
        found = db.session.scalar(select(Organisation).where(Organisation.name == name))
        return found or create_organisation(name, kind, region, munis)

    everyone = list(by_code.values())
    jgz = org(spec["jgz"], "jgz", everyone)
    cjg = org(spec["cjg"], "cjg", everyone)
    first = everyone[0] if slug != "bevelanden" else by_code["GM0664"]
    gemeente = org(f"Gemeente {first.name} (demo)", "municipality", [first])
    for m in everyone:
        org(f"Basisschool De Regenboog {m.name} (demo)", "school", [m])
    providers = []
    for p_index, (pname, locs) in enumerate(spec["providers"]):
        provider = org(pname, "ve_provider", sorted({by_code[c] for c, _ in locs}, key=lambda x: x.code))
        for l_index, (code, lname) in enumerate(locs):
            lrk = f"{(sum(map(ord, slug)) % 90) + 10}{p_index}{l_index}{int(code[2:]):05d}"
            if not db.session.scalar(select(Location.id).where(Location.lrk_number == lrk)):
                create_location(provider, by_code[code], lname, lrk, f"Voorbeeldstraat {10 + l_index}, {by_code[code].name}")
        providers.append(provider)

    users = {}
    for local, role, organisation in [("jgz", "jgz", jgz), ("ve", "ve", providers[0]), ("ve2", "ve", providers[1]),
                                      ("cjg", "cjg", cjg), ("gemeente", "gemeente", gemeente), ("admin", "admin", jgz)]:
        email = f"{local}@{slug}.demo"
        user = db.session.scalar(select(User).where(User.email == email))
        users[local] = user or create_user(email, f"Demo {local.upper()} {spec['name']}", "demo", role, organisation,
                                                     demo=True)
    return users


def load_cases(slug: str, users: dict[str, User], count: int) -> int:
    """Children in every state, each moved there by the service layer with back-dated dates."""
    jgz = users["jgz"]
    region_id = jgz.organisation.region_id
    existing = db.session.scalar(select(func.count()).select_from(Case).join(Municipality)
                                 .where(Municipality.region_id == region_id))
    if existing:
        return 0
    rng = random.Random(slug)
    today = clock.today()
    municipalities = list(db.session.scalars(select(Municipality).where(Municipality.region_id == region_id)
                                             .order_by(Municipality.code)))
    paths = ["signalled", "indicated", "referred", "waitlisted", "placed", "not_reached", "re_referred",
             "school_handover", "closed", "rejected"]
    for i in range(count):
        m = municipalities[i % len(municipalities)]
        target = paths[i % len(paths)]
        age_days = rng.randrange(34 * 30, 44 * 30) if target != "school_handover" else rng.randrange(1445, 1455)
        birth = today - dt.timedelta(days=age_days)
        case = register_case(jgz, m.code, {
            "given_name": rng.choice(GIVEN_NAMES), "family_name": rng.choice(FAMILY_NAMES),
            "bsn": fictitious_bsn(rng), "birth_date": birth.isoformat(),
            "postcode": f"{rng.randrange(1000, 9999)}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}",
            "house_number": str(rng.randrange(1, 200))}, [{"name": "Ouder van demokind", "phone": "0612345678"}])
        # Back-date the registration so the later steps can carry earlier effective dates.
        case.state_since = today - dt.timedelta(days=120)
        case.events[0].effective_date = case.state_since
        _drive(case, target, users, m, today, rng)
    return count


def _drive(case: Case, target: str, users: dict, m: Municipality, today: dt.date, rng: random.Random) -> None:
    def fire(who, trigger, data, days_ago):
        nonlocal case
        day = (today - dt.timedelta(days=days_ago)).isoformat()
        data = {k: (day if v == "DAY" else v) for k, v in data.items()}
        case = fire_transition(users[who], case.id, trigger, case.version, data)

    if target == "signalled":
        return
    if target == "rejected":
        fire("jgz", "reject", {}, 0)
        return
    definition = m.definition_on(today - dt.timedelta(days=100))
    fire("jgz", "indicate", {"criteria": [definition.criteria[rng.randrange(4)]["code"]], "indication_date": "DAY"}, 100)
    if target == "indicated":
        return
    locations = db.session.scalars(select(Location).where(Location.municipality_id == m.id).order_by(Location.id)).all()
    location = locations[0]
    ve_user = "ve" if location.provider.id == users["ve"].organisation_id else "ve2"
    fire("jgz", "refer", {"location_id": location.id, "consent": True, "referral_date": "DAY"}, 80)
    if target == "referred":
        return
    if target in ("not_reached", "re_referred"):
        reason = rng.choice(["no_contact", "parents_declined", "other", "regular_childcare"])
        data = {"reason": reason, "date": "DAY"}
        if reason == "other":
            data["reason_text"] = "Gezin wil eerst afwachten (demotekst)."
        fire("jgz", "report_not_reached", data, 60)
        if target == "not_reached":
            return
        fire("cjg", "re_refer", {"location_id": location.id, "consent": True, "referral_date": "DAY"}, 40)
        fire(ve_user, "waitlist", {}, 30)
        return
    if target == "waitlisted":
        fire(ve_user, "waitlist", {}, 50)
        return
    fire(ve_user, "place", {"start_date": "DAY", "hours_per_week": 16}, 60)
    if target == "placed":
        return
    school = db.session.scalar(select(Organisation).where(Organisation.kind == "school",
                                                         Organisation.municipalities.contains(m)))
    fire(ve_user, "hand_over_to_school", {"school_id": school.id, "handover_date": "DAY"}, 5)
    if target == "closed":
        fire(ve_user, "close", {"outcome": "at_school", "date": "DAY"}, 1)
