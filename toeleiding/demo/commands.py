"""``flask demo``: load the demo, idempotently. Children are driven through the real services."""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .. import clock
from ..cases.checks import MAX_AGE_MONTHS
from ..cases.models import Case
from ..cases.operations import fire_transition, register_case
from ..cases.residence import MOVE_TRIGGER, record_move
from ..extensions import db
from ..organisations.models import Location, Municipality, MunicipalityFigures, Organisation, Region
from ..organisations.operations import add_definition, create_location, create_organisation
from ..outreach.operations import record_contact_attempt
from ..users.models import User
from ..users.operations import create_user
from .data import (CRITERIA, FAMILY_NAMES, FIGURES_YEAR, GIVEN_NAMES, PERIODS, POSTCODE_LETTERS, POSTCODES,
                   REGIONS)


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
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.01, 10),
              help="Children relative to the municipalities' JGZ counts (1: as many in the target group).")
@click.option("--cases-per-region", type=int, hidden=True, help="Replaced by --scale; ignored.")
@with_appcontext
def demo(no_cases: bool, scale: float, cases_per_region: int | None):
    """Load both demo regions, their organisations, logins (password 'demo') and children."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data and its password 'demo' are for development only")
    # Every region first: a child may move to the other region's municipality.
    users = {}
    for slug, spec in REGIONS.items():
        users[slug] = load_region(slug, spec)
        db.session.commit()
    if not no_cases:
        for slug, spec in REGIONS.items():
            made = load_cases(slug, users[slug], scale)
            db.session.commit()
            load_meetings(users[slug])
            db.session.commit()
            load_signals(slug, users[slug])
            db.session.commit()
            click.echo(f"{spec['name']}: {made} demo children added" if made else f"{spec['name']}: children already there")
    if demo_capacity():
        db.session.commit()
    click.echo("logins (password 'demo'): " + ", ".join(f"{r}@{s}.demo" for s in REGIONS
                                                      for r in ("jgz", "ve", "ve2", "cjg", "gemeente", "school", "admin")))
    pushed_to = demo_push_targets()
    db.session.commit()
    if pushed_to:
        click.echo(f"each published monitor is pushed to {pushed_to} (flask push list)")
    example, organisation_id = demo_import_example()
    click.echo(f"an export to try the import on: flask cases import {example} --organisation {organisation_id} [--apply]")


def demo_push_targets() -> str | None:
    """A directory push per region in the instance folder, so a publication made on /monitor/
    shows up there within a minute (the development server runs the scheduler)."""
    import os

    from ..push.operations import add_target
    from ..push.util import list_targets
    folder = os.path.join(current_app.instance_path, "monitor-push")
    have = {t.region.slug for t in list_targets()}
    if all(slug in have for slug in REGIONS):
        return None
    os.makedirs(folder, exist_ok=True)
    for slug in REGIONS:
        if slug not in have:
            add_target(slug, "directory", folder, "csv")
    return folder


def demo_years(today: dt.date) -> range:
    """The calendar years the demo's history spans: the monitor needs figures for each."""
    return range((today - dt.timedelta(days=SPAN_DAYS)).year, today.year + 1)


def figures_of(year: int, cbs: int | None, jgz: int, goab: str) -> dict:
    """The seed's figures (of FIGURES_YEAR) drifted to ``year``: a little fewer children and less
    money in earlier years, as in the real series."""
    k = year - FIGURES_YEAR
    return {"cbs_target_group": None if cbs is None else round(cbs * (1 + 0.03 * k)), "cbs_suppressed": cbs is None,
            "jgz_target_group": round(jgz * (1 + 0.03 * k)),
            "goab_budget": (Decimal(goab) * (1 + Decimal("0.04") * k)).quantize(Decimal(1))}


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
            for name_, start, end in PERIODS:
                add_definition(m, name_, start, end, min_age, CRITERIA)
        have = set(db.session.scalars(select(MunicipalityFigures.year).where(MunicipalityFigures.municipality_id == m.id)))
        for year in demo_years(clock.today()):
            if year not in have:
                db.session.add(MunicipalityFigures(municipality_id=m.id, year=year, **figures_of(year, cbs, jgz, goab)))
        by_code[code] = m

    def org(name, kind, munis):
        found = db.session.scalar(select(Organisation).where(Organisation.name == name))
        return found or create_organisation(name, kind, region, munis)

    everyone = list(by_code.values())
    jgz = org(spec["jgz"], "jgz", everyone)
    cjg = org(spec["cjg"], "cjg", everyone)
    first = everyone[0] if slug != "bevelanden" else by_code["GM0664"]
    gemeente = org(f"Gemeente {first.name} (demo)", "municipality", [first])
    schools = {m.code: org(f"Basisschool De Regenboog {m.name} (demo)", "school", [m]) for m in everyone}
    providers = []
    for p_index, (pname, locs) in enumerate(spec["providers"]):
        provider = org(pname, "ve_provider", sorted({by_code[c] for c, _ in locs}, key=lambda x: x.code))
        for l_index, (code, lname) in enumerate(locs):
            lrk = f"{(sum(map(ord, slug)) % 90) + 10}{p_index}{l_index}{int(code[2:]):05d}"
            if not db.session.scalar(select(Location.id).where(Location.lrk_number == lrk)):
                loc = create_location(provider, by_code[code], lname, lrk,
                                      f"Voorbeeldstraat {10 + l_index}, {by_code[code].name}")
                # The law's dose: most locations follow the school year (40 weeks), some open longer.
                loc.weeks_open = (40, 40, 46, 38)[l_index % 4]
        providers.append(provider)

    users = {}
    for local, role, organisation in [("jgz", "jgz", jgz), ("ve", "ve", providers[0]), ("ve2", "ve", providers[1]),
                                      ("cjg", "cjg", cjg), ("gemeente", "gemeente", gemeente),
                                      # The warm handover: the school of the region's largest municipality.
                                      ("school", "school", schools[SCHOOL_USER_AT[slug]]), ("admin", "admin", jgz)]:
        email = f"{local}@{slug}.demo"
        user = db.session.scalar(select(User).where(User.email == email))
        users[local] = user or create_user(email, f"Demo {local.upper()} {spec['name']}", "demo", role, organisation,
                                                     demo=True)
    return users


SCHOOL_USER_AT = {"ijmond": "GM0453", "bevelanden": "GM0664"}   # Velsen, Goes


# --- The children ---------------------------------------------------------------------------
#
# Each municipality gets about as many target-group children in the monitor's age window today
# as its JGZ count, and the cohorts before and after them, so that two years of history lie
# behind today: children signalled, indicated, referred, waitlisted, placed (some in another
# municipality), not reached for every reason (some referred again), moved, handed over to
# school and closed. A story is planned first (pure, from a seeded RNG: the same demo on every
# machine), then told through the services with the application's clock set to each step's
# day, so the history, the access log and the reminders read as if it happened then.

SPAN_DAYS = 730          # two years of history behind today
YOUNGEST_EXTRA = 3       # children up to this many months under the minimum age are in the demo
OLDEST_MONTHS = 52       # ... and children up to this age (left for school by now)
BATCH = 150              # children per commit
# How a referral ends, and the weight of each reason of non-reach (the workflow file's reasons).
REASON_WEIGHTS = {"parents_declined": 30, "no_contact": 20, "regular_childcare": 15, "other": 12,
                  "moved": 8, "medical": 7, "waiting_list": 8}
OTHER_TEXTS = ["Gezin wil eerst afwachten (demotekst).", "Ouders kiezen voor een gastouder (demotekst).",
               "Kind gaat naar familie in het buitenland (demotekst)."]


@dataclass
class Step:
    day: dt.date
    who: str          # "jgz", "cjg" or "ve" (the provider of the case's location at the time)
    trigger: str      # a transition, or MOVE_TRIGGER for a move
    data: dict = field(default_factory=dict)
    provider_id: int | None = None   # a referral's provider: its user acts on the case afterwards


@dataclass
class Story:
    municipality: str   # plain values only: the batch commits expire the session's objects
    birth: dt.date
    signalled: dt.date
    steps: list[Step]


def _cohort(m: Municipality, jgz_count: int, scale: float) -> int:
    """Children of ``m`` in the demo: the JGZ count per month of the age window, over the ages
    the demo covers."""
    d = m.definition_on(clock.today())
    window = MAX_AGE_MONTHS - d.min_age_months
    covered = OLDEST_MONTHS - (d.min_age_months - YOUNGEST_EXTRA)
    return max(1, round(jgz_count * scale * covered / window))


def plan_story(rng: random.Random, m: Municipality, locations: list[Location], schools: dict[int, Organisation],
               elsewhere: list[Municipality], today: dt.date, school_users: frozenset[int] = frozenset()) -> Story | None:
    """One child's history up to ``today`` (None: not yet signalled)."""
    start = today - dt.timedelta(days=SPAN_DAYS)
    min_age = m.definition_on(today).min_age_months
    age_days = rng.randrange(round((min_age - YOUNGEST_EXTRA) * 30.44), round(OLDEST_MONTHS * 30.44))
    birth = today - dt.timedelta(days=age_days)
    signalled = clock.add_months(birth, rng.randint(max(12, min_age - 10), min_age - 1)) + dt.timedelta(days=rng.randrange(28))
    if signalled < start:   # older children: registered when the region started with the system
        signalled = start + dt.timedelta(days=rng.randrange(120))
    if signalled > today:
        return None
    steps: list[Step] = []
    story = Story(m.code, birth, signalled, steps)
    day = signalled
    home = m

    def step(after: tuple[int, int], who: str, trigger: str, data: dict | None = None, location=None) -> bool:
        nonlocal day
        when = day + dt.timedelta(days=rng.randint(*after))
        if when > today:
            return False
        day = when
        steps.append(Step(when, who, trigger, {k: (when.isoformat() if v is DAY else v) for k, v in (data or {}).items()},
                          location.provider_id if location is not None else None))
        return True

    roll = rng.random()
    if roll < 0.05:
        step((0, 10), "jgz", "reject", {})
        return story
    criteria = rng.sample(CRITERIA, rng.choice((1, 1, 2)))
    if not step((0, 21), "jgz", "indicate", {"criteria": [c["code"] for c in criteria], "indication_date": DAY}):
        return story
    if rng.random() < 0.15:   # a cross-municipality referral: a location in a neighbouring municipality
        location = rng.choice([loc for loc in locations if loc.municipality_id != home.id] or locations)
    else:
        location = rng.choice([loc for loc in locations if loc.municipality_id == home.id] or locations)
    if not step((5, 45), "jgz", "refer", {"location_id": location.id, "consent": True, "referral_date": DAY}, location):
        return story
    if rng.random() < 0.05:   # the provider is full and declines; JGZ refers to the other provider
        if not step((3, 20), "ve", "decline_referral", {"decline_reason": "no_capacity", "date": DAY}):
            return story
        location = rng.choice([loc for loc in locations if loc.provider_id != location.provider_id] or locations)
        if not step((2, 14), "jgz", "refer", {"location_id": location.id, "consent": True, "referral_date": DAY},
                    location):
            return story
    if rng.random() < 0.06:   # moving house within the region
        target = rng.choice([x for x in elsewhere if x.region_id == home.region_id and x.id != home.id])
        if step((5, 40), "jgz", MOVE_TRIGGER, {"to": target.code}):
            home = target
            min_age = max(min_age, target.definition_on(today).min_age_months)
    if rng.random() < 0.02:   # moving out of the region closes the case
        target = rng.choice([x for x in elsewhere if x.region_id != home.region_id])
        step((5, 60), "jgz", MOVE_TRIGGER, {"to": target.code})
        return story
    if rng.random() < 0.02:
        step((10, 60), "jgz", "close", {"outcome": "consent_withdrawn", "date": DAY})
        return story

    def not_reached(reason: str, who: str) -> bool:
        data = {"reason": reason, "date": DAY}
        if reason == "other":
            data["reason_text"] = rng.choice(OTHER_TEXTS)
        before = day
        if not step((14, 90), who, "report_not_reached", data):
            return False
        if reason == "no_contact":   # the workflow asks for 2 contact attempts first (outreach log)
            _attempts(story, before, who, 2)
        elif reason == "parents_declined" and _outreach_rng(story).random() < 0.4:
            _attempts(story, before, who, 1)
        return True

    if rng.random() < 0.2:
        reason = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
        if reason == "waiting_list":
            if not step((3, 15), "ve", "waitlist", {"waitlist_date": DAY}) or not not_reached(reason, "ve"):
                return story
        elif not not_reached(reason, "jgz"):
            return story
        follow = rng.random()
        if follow < 0.1:
            step((30, 120), "cjg", "close", {"outcome": "other", "date": DAY,
                                             "reason_text": "Geen vervolg mogelijk (demotekst)."})
            return story
        if follow > 0.55:
            if follow > 0.8 and day < today:   # the CJG tries to reach the family again
                _attempts(story, day, "cjg", 1, last=today)
            return story   # still not reached
        location = rng.choice([loc for loc in locations if loc.municipality_id == home.id] or locations)
        if not step((14, 60), "cjg", "re_refer", {"location_id": location.id, "consent": True, "referral_date": DAY},
                    location):
            return story

    old_enough = clock.add_months(birth, min_age)
    if rng.random() < 0.25:
        expected = day + dt.timedelta(days=rng.randint(60, 150))
        if not step((3, 15), "ve", "waitlist", {"waitlist_date": DAY, "expected_start_date": expected.isoformat()}):
            return story
        day = max(day, old_enough - dt.timedelta(days=20))
        if not step((20, 160), "ve", "place", {"start_date": DAY, "hours_per_week": 16}):
            return story
    else:
        day = max(day, old_enough - dt.timedelta(days=5))
        if not step((5, 40), "ve", "place", {"start_date": DAY, "hours_per_week": rng.choice((16, 16, 16, 12))}):
            return story
    if clock.months_between(birth, day) >= MAX_AGE_MONTHS:
        steps.pop()   # too old for VE by then (rare): the referral stays open
        return story
    after_placement = rng.random()
    if after_placement < 0.04:   # a drop-out: the CJG follows the family up
        step((30, 200), "ve", "stop_placement", {"stop_reason": rng.choice(("attendance", "parents_stopped")),
                                                 "stop_date": DAY})
        return story
    if after_placement < 0.07:   # the provider moves the child to another of its own locations
        own = [loc for loc in locations if loc.provider_id == location.provider_id and loc.id != location.id]
        if own:
            location = rng.choice(own)
            if not step((20, 120), "ve", "change_location", {"location_id": location.id, "transfer_date": DAY},
                        location):
                return story
    elif 0.10 <= after_placement < 0.20:   # the law's dose: the provider records other hours a week
        step((20, 120), "ve", "change_hours", {"hours_per_week": rng.choice((8, 10, 12, 20)), "hours_date": DAY})
    elif after_placement < 0.10:   # JGZ transfers the child to the other provider, who places it
        location = rng.choice([loc for loc in locations if loc.provider_id != location.provider_id] or locations)
        if not step((20, 120), "jgz", "transfer_to_provider",
                    {"location_id": location.id, "consent": True, "referral_date": DAY}, location):
            return story
        if not step((5, 30), "ve", "place", {"start_date": DAY, "hours_per_week": 16}):
            return story
    if rng.random() < 0.05:
        return story   # no handover recorded: the reminders ask for it
    day = max(day, clock.add_months(birth, 46))
    placed_on = next(s.day for s in reversed(steps) if s.trigger == "place")
    # The handover's content and the school's receipt from the story's own randomness: adding
    # them moves no other child's history.
    hrng = random.Random(f"handover:{story.municipality}:{story.birth}:{story.signalled}")
    school = schools[home.id]
    if hrng.random() < 0.15:   # a school in another municipality of the region
        school = hrng.choice(list(schools.values()))
    if not step((0, 40), "ve", "hand_over_to_school", {"school_id": school.id, "handover_date": DAY}):
        return story
    steps[-1].data.update(_handover_content(hrng, placed_on, day))
    handed_over = len(steps) - 1
    day = max(day, clock.add_months(birth, 48))
    closed = step((0, 20), "ve", "close", {"outcome": "at_school", "date": DAY})
    if school.id in school_users:   # the demo's school user confirms receipt, mostly within two weeks
        received = steps[handed_over].day + dt.timedelta(days=hrng.choice((2, 5, 9, 13, 30)))
        if received <= (steps[-1].day if closed else today) and hrng.random() < 0.8:
            steps.insert(handed_over + 1, Step(received, "school", "acknowledge_handover",
                                               {"received_date": received.isoformat()}))
    return story


DEVELOPMENT_TEXTS = ["Speelt graag samen, woordenschat sterk gegroeid (demotekst).",
                     "Begrijpt opdrachten goed, spreekt nog in korte zinnen (demotekst).",
                     "Zelfstandig en nieuwsgierig, telt tot tien (demotekst)."]
CONCERN_TEXTS = ["", "Let op de uitspraak; logopedie loopt (demotekst).", "Snel afgeleid in de grote groep (demotekst)."]
PROFESSIONAL_TEXTS = ["", "Logopedist (demotekst).", "JGZ-verpleegkundige en pedagogisch coach (demotekst)."]


def _handover_content(rng: random.Random, placed_on: dt.date, day: dt.date) -> dict:
    """The form of a demo warm handover: consent, invented texts, a programme and the hours."""
    weeks = max(0, (day - placed_on).days) * 40 // 52 // 7   # school weeks since the placement
    data = {"handover_consent": True, "development_summary": rng.choice(DEVELOPMENT_TEXTS),
            "ve_programme": rng.choice(("piramide", "kaleidoscoop", "startblokken", "uk_en_puk")),
            "hours_attended": weeks * 16}
    for key, texts in (("concerns", CONCERN_TEXTS), ("professionals_involved", PROFESSIONAL_TEXTS)):
        if text := rng.choice(texts):
            data[key] = text
    if rng.random() < 0.5:
        data["parents_reaction"] = "Ouders herkennen het beeld (demotekst)."
    return data


DAY = object()   # in a planned step's data: the step's own date

# Outreach log: contact attempts in a story (a step with this marker instead of a trigger). Their
# randomness is the story's own, so adding them moves no other child's history.
CONTACT_STEP = "(contact attempt)"
CONTACT_METHODS = ("phone", "letter", "home_visit", "partner")
CONTACT_OUTCOMES = ["Geen gehoor (demotekst).", "Brief niet beantwoord (demotekst).",
                    "Niemand thuis, kaartje achtergelaten (demotekst).",
                    "Partner heeft ouders niet kunnen spreken (demotekst)."]


def _outreach_rng(story: Story) -> random.Random:
    return random.Random(f"outreach:{story.municipality}:{story.birth}:{story.signalled}")


def _attempts(story: Story, since: dt.date, who: str, n: int, last: dt.date | None = None) -> None:
    """``n`` contact attempts by ``who`` dated from ``since`` up to the last step's day (or
    ``last``), placed before that step; varied methods, some with an interpreter."""
    rng = _outreach_rng(story)
    end = last or story.steps[-1].day
    span = max(0, (end - since).days)
    days = sorted(since + dt.timedelta(days=rng.randint(0, span)) for _ in range(n))
    made = [Step(d, who, CONTACT_STEP, {"date": d.isoformat(), "method": CONTACT_METHODS[(i + rng.randrange(4)) % 4],
                                        "interpreter": rng.random() < 0.3, "outcome": rng.choice(CONTACT_OUTCOMES)})
            for i, d in enumerate(days)]
    if last is None:
        story.steps[-1:-1] = made
    else:
        story.steps.extend(made)


@contextlib.contextmanager
def _clock():
    """Set the application's clock to a day (noon, Dutch time); restored afterwards."""
    config = current_app.config
    before = config.get("CLOCK_NOW")

    def at(day: dt.date) -> None:
        config["CLOCK_NOW"] = dt.datetime.combine(day, dt.time(12), tzinfo=clock.LOCAL_TZ)
    try:
        yield at
    finally:
        config["CLOCK_NOW"] = before


def load_cases(slug: str, users: dict[str, User], scale: float = 1.0) -> int:
    """The region's children with their histories, told through the services (none if it has any)."""
    jgz = users["jgz"]
    region_id = jgz.organisation.region_id
    existing = db.session.scalar(select(func.count()).select_from(Case).join(Municipality)
                                 .where(Municipality.region_id == region_id))
    if existing:
        return 0
    rng = random.Random(f"demo:{slug}")
    today = clock.today()
    municipalities = list(db.session.scalars(select(Municipality).where(Municipality.region_id == region_id)
                                             .order_by(Municipality.code)))
    everyone = list(db.session.scalars(select(Municipality).order_by(Municipality.code)))
    locations = list(db.session.scalars(select(Location).join(Municipality).where(Municipality.region_id == region_id)
                                        .order_by(Location.id)))
    schools = {m.id: db.session.scalar(select(Organisation).where(Organisation.kind == "school",
                                                                 Organisation.municipalities.contains(m))
                                       .order_by(Organisation.id)) for m in municipalities}
    provider_user = {u.organisation_id: key for key, u in users.items() if u.role == "ve"}
    school_users = frozenset(u.organisation_id for u in users.values() if u.role == "school")
    counts = {code: jgz_count for code, _n, _i, _c, jgz_count, *_rest in REGIONS[slug]["municipalities"]}
    bsns = fictitious_bsns(sum(map(ord, slug)) * 10_000)
    stories = []
    for m in municipalities:
        for _ in range(_cohort(m, counts[m.code], scale)):
            story = plan_story(rng, m, locations, schools, everyone, today, school_users)
            if story is not None:
                stories.append(story)
    stories.sort(key=lambda s: s.signalled)   # registered in the order it happened
    made = 0
    with _clock() as at:
        for story in stories:
            _tell(story, users, provider_user, rng, bsns, at)
            made += 1
            if made % BATCH == 0:
                db.session.commit()
    return made


def _tell(story: Story, users: dict, provider_user: dict, rng: random.Random, bsns, at) -> None:
    code = story.municipality
    at(story.signalled)
    postcode = f"{rng.choice(POSTCODES[code])}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
    given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
    case = register_case(users["jgz"], code, {
        "given_name": given, "family_name": family, "bsn": next(bsns), "birth_date": story.birth.isoformat(),
        "postcode": postcode, "house_number": str(rng.randrange(1, 200))},
        [{"name": f"Ouder van {given} {family}", "phone": f"06{rng.randrange(10**7, 10**8)}"}])
    ve = None
    for s in story.steps:
        at(s.day)
        if s.provider_id is not None:
            ve = provider_user[s.provider_id]
        who = ve if s.who == "ve" else s.who
        if s.trigger == CONTACT_STEP:
            record_contact_attempt(users[who], case.id, s.data)
        elif s.trigger == MOVE_TRIGGER:
            case = record_move(users[who], case.id, case.version, s.data["to"], s.day.isoformat())
        else:
            case = fire_transition(users[who], case.id, s.trigger, case.version, s.data)


def demo_import_example() -> tuple[str, int]:
    """A small JGZ export of invented children in the instance folder, to try `flask cases import`
    on (README 'Importing existing cases'): one child per import stage in Beverwijk. Its BSNs
    are from a range the demo's children do not use, so it imports cleanly once."""
    import csv
    import os

    from ..cases.operations import import_columns
    region = next(iter(REGIONS))
    jgz = db.session.scalar(select(User).where(User.email == f"jgz@{region}.demo"))
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == "GM0375"))
    location = db.session.scalar(select(Location).where(Location.municipality_id == municipality.id).order_by(Location.id))
    today = clock.today()
    codes = sorted(municipality.definition_on(today).criteria_codes)
    day = lambda n: (today - dt.timedelta(days=n)).isoformat()   # noqa: E731
    bsns = fictitious_bsns(5_000_000)
    rows = []
    for i, family in enumerate(("Voorbeeld", "Proefmans", "Testerink", "Oefenaar")):
        row = {"bsn": next(bsns), "given_name": "Importkind", "family_name": family, "birth_date": day(1150 + 20 * i),
               "postcode": "1941 AB", "house_number": str(10 + i), "municipality_code": municipality.code,
               "parent_name": f"Ouder {family}", "parent_phone": "0612345678"}
        if i >= 1:
            row.update(indication_date=day(200), criteria=";".join(codes[:2]))
        if i >= 2:
            row.update(referral_date=day(150), location_lrk=location.lrk_number)
        if i >= 3:
            row.update(placement_start_date=day(100), hours_per_week="16")
        rows.append(row)
    path = os.path.join(current_app.instance_path, "import-example.csv")
    os.makedirs(current_app.instance_path, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(import_columns()))
        out.writeheader()
        out.writerows(rows)
    return path, jgz.organisation_id


# --- Bereik-overleg as meetings (issue 11.8) ------------------------------------------------------
ACTION_TEXTS = ["Huisbezoek met tolk plannen (demotekst).", "Ouders opnieuw bellen over een plek (demotekst).",
                "Brief met uitleg over VE sturen (demotekst).", "Met de peuteropvang een startdatum afspreken (demotekst)."]


def load_meetings(users: dict[str, User]) -> int:
    """Two past meetings of the region's first municipality, held by its CJG: the older one's
    actions done, the recent one's open (one past its due day). None when the region has any."""
    from ..reminders.models import Meeting
    from ..reminders.operations import add_action, complete_action, open_meeting
    from ..reminders.util import meeting_overview

    cjg, jgz = users["cjg"], users["jgz"]
    region_id = cjg.organisation.region_id
    if db.session.scalar(select(func.count()).select_from(Meeting).join(Municipality)
                         .where(Municipality.region_id == region_id)):
        return 0
    municipality = cjg.organisation.municipalities[0]
    participants = [jgz.organisation_id, users["ve"].organisation_id]
    today, made = clock.today(), 0
    with _clock() as at:
        for weeks, done in ((6, True), (2, False)):
            day = today - dt.timedelta(weeks=weeks)
            at(day)
            meeting = open_meeting(cjg, municipality.code, day.isoformat(), participants)
            children = [item.case for item in meeting_overview(cjg, municipality.code).items][:3]
            for i, case in enumerate(children):
                owner = (jgz, cjg)[i % 2]
                due = day + dt.timedelta(days=7 if i == 0 else 21)
                action = add_action(cjg, meeting.id, str(case.id), owner.organisation_id, due.isoformat(),
                                    ACTION_TEXTS[(i + weeks) % len(ACTION_TEXTS)])
                made += 1
                if done:
                    at(day + dt.timedelta(days=5))
                    complete_action(owner, str(action.id))
                    at(day)
    return made


# --- Capacity per location (issue 12.4) --------------------------------------------------------

def demo_capacity() -> int:
    """Places, opening days, setting and programme for every location without places yet: every
    third location with at least ten children placed today is exactly full (the public page shows
    "Vol"), the others have a few places free. Returns how many locations got them."""
    from ..monitor.util import placed_per_location
    from ..organisations.models import VE_PROGRAMMES
    from ..organisations.operations import set_location_capacity
    locations = list(db.session.scalars(select(Location).order_by(Location.id)))
    placed = placed_per_location([loc.id for loc in locations])
    programmes = [p for p in VE_PROGRAMMES if p != "anders"]
    done = 0
    for i, loc in enumerate(locations):
        if loc.ve_places is not None:
            continue
        n = placed.get(loc.id, 0)
        places = n if i % 3 == 0 and n >= 10 else max(16, n + 2 + (i % 5) * 2)
        set_location_capacity(loc, ve_places=places, opening_days=[1, 2, 4] if i % 2 else [1, 2, 3, 4],
                              setting="kinderdagverblijf" if i % 4 == 3 else "peuteropvang",
                              ve_programme=programmes[i % len(programmes)])
        done += 1
    return done


# --- Signals from VE and CJG (issue 11.9) -------------------------------------------------------
SIGNAL_NOTES = ["Kind spreekt op de groep nog weinig Nederlands; ouders willen graag meer uren (demotekst).",
                "Moeder vertelt bij een huisbezoek over zorgen om de taal (demotekst).",
                "Broertje zit bij ons op de groep; dit kind komt nog niet naar een peuteropvang (demotekst).",
                "Gezin is net in de gemeente komen wonen, nog niet bij het consultatiebureau geweest (demotekst)."]


def load_signals(slug: str, users: dict[str, User]) -> int:
    """Four children signalled by the region's provider and CJG: two assessed by JGZ a few days
    later (one indicated, one not target group), two recent ones still in JGZ's signals tab.
    None when the region has any signal."""
    from ..signals.models import CaseSignal
    from ..signals.operations import signal_case

    region_id = users["jgz"].organisation.region_id
    if db.session.scalar(select(func.count()).select_from(CaseSignal).join(Organisation)
                         .where(Organisation.region_id == region_id)):
        return 0
    rng = random.Random(f"demo-signals:{slug}")
    # Past the BSNs the region's children take (load_cases), so none has an open case already.
    bsns = fictitious_bsns(sum(map(ord, slug)) * 10_000 + 50_000)
    municipality = users["cjg"].organisation.municipalities[0]
    today, made = clock.today(), 0
    with _clock() as at:
        for i, (who, days_ago, assess) in enumerate((("ve", 30, "indicate"), ("cjg", 21, "reject"),
                                                     ("ve", 5, None), ("cjg", 2, None))):
            day = today - dt.timedelta(days=days_ago)
            at(day)
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            birth = clock.add_months(today, -rng.randint(26, 34))
            row = signal_case(users[who], municipality.code, {
                "given_name": given, "family_name": family, "bsn": next(bsns), "birth_date": birth.isoformat(),
                "postcode": f"{rng.choice(POSTCODES[municipality.code])}{rng.choice(POSTCODE_LETTERS)}"
                            f"{rng.choice(POSTCODE_LETTERS)}",
                "house_number": str(rng.randrange(1, 200))},
                [{"name": f"Ouder van {given} {family}", "phone": f"06{rng.randrange(10**7, 10**8)}"}],
                SIGNAL_NOTES[i % len(SIGNAL_NOTES)])
            made += 1
            if assess is None:
                continue
            day += dt.timedelta(days=3)
            at(day)
            case = db.session.get(Case, row.case_id)
            data = ({"criteria": [CRITERIA[0]["code"]], "indication_date": day.isoformat()} if assess == "indicate"
                    else {"reason_text": "Geen doelgroep na gesprek met de ouders (demotekst)."})
            fire_transition(users["jgz"], case.id, assess, case.version, data)
    return made
