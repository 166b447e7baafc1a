"""Test data built through the services. Every name is invented; every BSN passes the elfproef."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from toeleiding import clock
from toeleiding.demo.commands import fictitious_bsns
from toeleiding.organisations.models import Municipality, Region
from toeleiding.organisations.operations import add_definition, create_location, create_organisation
from toeleiding.extensions import db
from toeleiding.users.operations import create_user

CRITERIA = [{"code": "parents_low_education", "label": "Ouders laag opgeleid"},
            {"code": "home_language", "label": "Thuistaal niet Nederlands"},
            {"code": "language_delay", "label": "Taalachterstand"}]
PASSWORD = "correct horse battery"
# The warm handover's form (issue 11.6) besides the school and the date: invented texts.
HANDOVER_FORM = {"handover_consent": True, "development_summary": "Speelt graag, praat in zinnen (testtekst).",
                 "concerns": "Uitspraak volgen (testtekst).", "professionals_involved": "Logopedist (testtekst).",
                 "ve_programme": "piramide", "hours_attended": 880}
# The same form as a browser posts it (a checkbox's value, numbers as text).
HANDOVER_FORM_WEB = {**HANDOVER_FORM, "handover_consent": "ja", "hours_attended": "880"}
_bsn_counter = itertools.count(1)


def make_bsn(n: int | None = None) -> str:
    """The n-th fictitious BSN (starting with 9) that passes the elfproef."""
    n = next(_bsn_counter) if n is None else n
    return next(fictitious_bsns(n * 13))


@dataclass
class World:
    ids: dict = field(default_factory=dict)      # name -> id of organisations, locations, schools
    emails: dict = field(default_factory=dict)   # who -> e-mail


def make_world() -> World:
    """IJmond (Beverwijk, Heemskerk: 30 months) and De Bevelanden (Goes: 24 months, Kapelle: 30)."""
    w = World()
    ij = Region(slug="ijmond", name="IJmond")
    bev = Region(slug="bevelanden", name="De Bevelanden")
    db.session.add_all([ij, bev])
    munis = {}
    for code, name, region, min_age in [("GM0375", "Beverwijk", ij, 30), ("GM0396", "Heemskerk", ij, 30),
                                        ("GM0664", "Goes", bev, 24), ("GM0678", "Kapelle", bev, 30)]:
        m = Municipality(code=code, name=name, region=region)
        db.session.add(m)
        db.session.flush()
        add_definition(m, "2023–2026", dt.date(2023, 1, 1), None, min_age, CRITERIA)
        munis[code] = m
    jgz = create_organisation("JGZ Testregio IJmond", "jgz", ij, [munis["GM0375"], munis["GM0396"]])
    jgz_bev = create_organisation("JGZ Testregio Bevelanden", "jgz", bev, [munis["GM0664"], munis["GM0678"]])
    cjg = create_organisation("CJG Test Beverwijk", "cjg", ij, [munis["GM0375"]])
    cjg2 = create_organisation("CJG Test Heemskerk", "cjg", ij, [munis["GM0396"]])
    gem = create_organisation("Gemeente Beverwijk (test)", "municipality", ij, [munis["GM0375"]])
    ve = create_organisation("Peuteropvang Duinroos (test)", "ve_provider", ij, [munis["GM0375"], munis["GM0396"]])
    ve2 = create_organisation("Kinderhuis Strandgaper (test)", "ve_provider", ij, [munis["GM0375"]])
    ve_bev = create_organisation("Peuterpunt Zeeuws (test)", "ve_provider", bev, [munis["GM0664"]])
    school = create_organisation("Basisschool De Kievit (test)", "school", ij, [munis["GM0375"]])
    school_bev = create_organisation("Basisschool Het Getij (test)", "school", bev, [munis["GM0664"]])
    w.ids.update(
        loc=create_location(ve, munis["GM0375"], "Duinroos Centrum", "100000001").id,
        loc_heemskerk=create_location(ve, munis["GM0396"], "Duinroos Heemskerk", "100000002").id,
        loc2=create_location(ve2, munis["GM0375"], "Strandgaper", "100000003").id,
        loc_goes=create_location(ve_bev, munis["GM0664"], "Zeeuws Goes", "100000004").id,
        school=school.id, school_bev=school_bev.id, ve=ve.id, ve2=ve2.id, jgz=jgz.id, cjg=cjg.id)
    for who, role, org in [("jgz", "jgz", jgz), ("ve", "ve", ve), ("ve2", "ve", ve2), ("cjg", "cjg", cjg),
                           ("cjg2", "cjg", cjg2), ("gemeente", "gemeente", gem), ("admin", "admin", jgz),
                           ("jgz_bev", "jgz", jgz_bev), ("ve_bev", "ve", ve_bev),
                           ("school", "school", school), ("school_bev", "school", school_bev)]:
        email = f"{who}@test.example"
        create_user(email, f"Test {who}", PASSWORD, role, org)
        w.emails[who] = email
    return w


def child(months: int = 36, bsn: str | None = None, **overrides) -> dict:
    """A fictitious child ``months`` old today."""
    born = clock.add_months(clock.today(), -months) - dt.timedelta(days=3)
    data = {"given_name": "Testkind", "family_name": "Fictiefsma", "bsn": bsn or make_bsn(),
            "birth_date": born.isoformat(), "postcode": "1941 AB", "house_number": "12"}
    data.update(overrides)
    return data


def days_ago(n: int) -> str:
    return (clock.today() - dt.timedelta(days=n)).isoformat()


def at(app, day: str) -> None:
    """Move the application's clock to 10:00 UTC on ``day``."""
    app.config["CLOCK_NOW"] = dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.timezone.utc)


def referred(jgz: "ApiClient", born: str, day: str, location_id: int, municipality: str = "GM0375") -> dict:
    """A child of ``municipality`` born on ``born``, indicated and referred to ``location_id`` on ``day``."""
    case = jgz.register(municipality=municipality, birth_date=born)
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=day)
    return jgz.fire(case, "refer", location_id=location_id, consent=True, referral_date=day)


class ApiClient:
    """A signed-in API client: ``get``/``post`` with the bearer token, JSON in and out."""

    def __init__(self, client, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    @classmethod
    def sign_in(cls, client, email: str, password: str = PASSWORD) -> "ApiClient":
        r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.json
        return cls(client, r.json["token"])

    def get(self, path: str, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers, **kw)

    def register(self, municipality: str = "GM0375", **child_kw) -> dict:
        r = self.post("/cases", {"municipality": municipality, "child": child(**child_kw),
                                 "parents": [{"name": "Ouder Fictief", "phone": "0612345678"}]})
        assert r.status_code == 201, r.json
        return r.json

    def fire(self, case: dict, trigger: str, expect: int = 200, **data):
        if trigger == "report_not_reached" and data.get("reason") == "no_contact" and expect == 200:
            # The workflow asks for 2 contact attempts before "no contact" (outreach log):
            # the caller tried twice first, as a user would.
            self.contact_attempts(case, 2, data.get("date"))
        if trigger == "hand_over_to_school" and expect == 200:
            data = {**HANDOVER_FORM, **data}   # the form filled in, as a user would
        r = self.post(f"/cases/{case['id']}/transitions", {"trigger": trigger, "version": case["version"], "data": data})
        assert r.status_code == expect, r.json
        return r.json

    def contact_attempts(self, case: dict, n: int, day: str | None = None) -> None:
        """Up to ``n`` contact attempts on ``day`` (default today) on record, by this client."""
        have = self.get(f"/cases/{case['id']}/contact-attempts")
        on = day or clock.today().isoformat()
        found = sum(1 for a in have.json["items"] if a["date"] <= on) if have.status_code == 200 else 0
        for i in range(found, n):
            r = self.post(f"/cases/{case['id']}/contact-attempts",
                          {"date": on, "method": ("phone", "letter")[i % 2], "interpreter": False})
            if r.status_code == 403:   # e.g. a workflow file without an outreach log
                return
            assert r.status_code == 201, r.json

    def referred(self, location_id: int, indicated_days_ago: int = 2) -> dict:
        """A child registered, indicated ``indicated_days_ago`` days ago and referred a day later."""
        case = self.fire(self.register(), "indicate", criteria=["home_language"],
                         indication_date=days_ago(indicated_days_ago))
        return self.fire(case, "refer", location_id=location_id, consent=True,
                         referral_date=days_ago(indicated_days_ago - 1))
