"""The CLI: `flask demo`, and scripted creation of organisations and users."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from toeleiding import create_app
from toeleiding.cases.models import Case, CaseEvent
from toeleiding.extensions import db
from toeleiding.organisations.models import Location, Municipality, Organisation, Region, TargetGroupDefinition
from toeleiding.users.models import User
from toeleiding.workflow import current_workflow

from .factories import ApiClient

MUNICIPALITIES = {"GM0375": "Beverwijk", "GM0396": "Heemskerk", "GM0453": "Velsen", "GM0654": "Borsele",
                  "GM0664": "Goes", "GM0678": "Kapelle", "GM0703": "Reimerswaal", "GM1695": "Noord-Beveland"}
MIN_AGE = {"GM0375": 30, "GM0396": 30, "GM0453": 30, "GM0654": 30, "GM0678": 30, "GM1695": 30,
           "GM0664": 24, "GM0703": 24}
ROLES = {"jgz": "jgz", "ve": "ve", "ve2": "ve", "cjg": "cjg", "gemeente": "gemeente", "admin": "admin"}
MODELS = (Region, Municipality, TargetGroupDefinition, Organisation, Location, User, Case, CaseEvent)


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def _demo(runner, *args: str) -> str:
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_loads_both_regions_with_logins_and_children_in_every_state(app, runner, client):
    _demo(runner)
    admin = ApiClient.sign_in(client, "admin@ijmond.demo", "demo")
    municipalities = {m["code"]: m for m in admin.get("/municipalities").json["items"]}
    assert {code: m["name"] for code, m in municipalities.items()} == MUNICIPALITIES
    assert {code: m["definition"]["min_age_months"] for code, m in municipalities.items()} == MIN_AGE
    assert {m["region"] for m in municipalities.values()} == {"ijmond", "bevelanden"}

    for region in ("ijmond", "bevelanden"):
        for local, role in ROLES.items():
            signed_in = ApiClient.sign_in(client, f"{local}@{region}.demo", "demo")
            me = signed_in.get("/me").json
            assert me["role"] == role and me["organisation"]["region"] == region, me
        jgz = ApiClient.sign_in(client, f"jgz@{region}.demo", "demo")
        with app.app_context():
            every_state = set(current_workflow().states)
        own = {code for code, m in municipalities.items() if m["region"] == region}
        for state in every_state:   # the demo has hundreds of children: ask per state
            cases = jgz.get(f"/cases?state={state}&per_page=100").json
            assert cases["total"] > 0, (region, state)
            assert {c["state"] for c in cases["items"]} == {state}
            assert {c["municipality"] for c in cases["items"]} <= own, region
    assert ApiClient.sign_in(client, "ve2@ijmond.demo", "demo").get("/cases").json["total"] > 0


def test_demo_is_idempotent(app, runner):
    _demo(runner, "--scale", "0.2")   # a small demo: the full one is checked in test_demo.py
    first = _counts(app)
    assert first["cases"] > 0 and first["users"] == 14 and first["municipalities"] == 8
    output = _demo(runner)
    assert "children already there" in output
    assert _counts(app) == first


def test_demo_without_cases_adds_no_children_and_later_runs_add_them_once(app, runner):
    _demo(runner, "--no-cases")
    bare = _counts(app)
    assert bare["cases"] == 0 and bare["case_events"] == 0
    assert bare["users"] == 14 and bare["municipalities"] == 8 and bare["regions"] == 2
    _demo(runner, "--no-cases")
    assert _counts(app) == bare
    _demo(runner, "--scale", "0.2")
    full = _counts(app)
    assert full["cases"] > 0 and {k: v for k, v in full.items() if k not in ("cases", "case_events")} == {
        k: v for k, v in bare.items() if k not in ("cases", "case_events")}


def test_demo_refuses_in_production(app, base_config):
    production = create_app({**base_config, "ENV_NAME": "production"})
    result = production.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "development only" in result.output
    assert set(_counts(app).values()) == {0}
    with production.app_context():
        db.engine.dispose()


def _organisation(runner, *args: str):
    return runner.invoke(args=["organisations", "create", *args])


def test_organisation_and_user_created_from_the_command_line_can_sign_in(app, runner, client, world):
    result = _organisation(runner, "--name", "Peuterspeelzaal Het Duintje (test)", "--kind", "ve_provider",
                           "--region", "ijmond", "--municipality", "GM0375", "--municipality", "gm0396")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("organisation ")
    assert "ve_provider Peuterspeelzaal Het Duintje (test)" in result.output
    org_id = result.output.split()[1]
    password = "lang en geheim wachtwoord"
    result = runner.invoke(args=["users", "create", "--email", "Medewerker@Duintje.example", "--name", "Medewerker",
                                 "--role", "ve", "--organisation", org_id], input=password + "\n")
    assert result.exit_code == 0, result.output
    assert password not in result.output
    me = ApiClient.sign_in(client, "medewerker@duintje.example", password).get("/me").json
    assert me["role"] == "ve" and me["organisation"] == {
        "id": int(org_id), "name": "Peuterspeelzaal Het Duintje (test)", "kind": "ve_provider", "region": "ijmond"}


def test_a_user_who_reads_children_created_from_the_command_line_is_in_the_access_log(app, runner, world):
    from toeleiding.audit.models import AccessLogEntry
    for email, role, org in [("nieuw-jgz@test.example", "jgz", "jgz"), ("nieuw-admin@test.example", "admin", "jgz")]:
        result = runner.invoke(args=["users", "create", "--email", email, "--role", role,
                                     "--organisation", str(world.ids[org])], input="lang en geheim wachtwoord\n")
        assert result.exit_code == 0, result.output
        assert "/wachtwoord/" not in result.output   # the operator typed the password: no link exists
    with app.app_context():
        created = db.session.scalar(select(User.id).where(User.email == "nieuw-jgz@test.example"))
        rows = db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.action == "user_create")).all()
        assert [(r.on_behalf_of, r.client, r.user_id) for r in rows] == [(f"subject_user:{created}", "cli", None)]


IJMOND_CJG = ["--name", "X", "--kind", "cjg", "--region", "ijmond"]


@pytest.mark.parametrize("args,message", [
    (["--name", "X", "--kind", "cjg", "--region", "atlantis"], "region: Onbekende regio 'atlantis'."),
    (IJMOND_CJG + ["--municipality", "GM0664"], "municipality: Goes hoort niet"),
    (IJMOND_CJG + ["--municipality", "GM9999"], "municipality: Onbekende gemeente"),
    (["--name", "  ", "--kind", "cjg", "--region", "ijmond"], "name: Naam is verplicht."),
    (["--name", "X", "--kind", "bakery", "--region", "ijmond"], "'--kind'"),
    (["--kind", "cjg", "--region", "ijmond"], "'--name'"),
])
def test_organisation_create_refuses_bad_input_naming_the_field(app, runner, world, args, message):
    before = _counts(app)
    result = _organisation(runner, *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert _counts(app) == before


@pytest.mark.parametrize("args,password,message", [
    (["--email", "not-an-address", "--role", "jgz"], "lang en geheim wachtwoord", "email: Ongeldig e-mailadres."),
    (["--email", "jgz@test.example", "--role", "jgz"], "lang en geheim wachtwoord", "email: Er bestaat al"),
    (["--email", "nieuw@test.example", "--role", "jgz"], "kort", "password: Wachtwoord moet minstens 12"),
    (["--email", "nieuw@test.example", "--role", "jgz"], "", "password: Wachtwoord moet minstens 12"),
    # The demo's short password is for the demo command alone.
    (["--email", "nieuw@test.example", "--role", "jgz"], "demo", "password: Wachtwoord moet minstens 12"),
    (["--email", "nieuw@test.example", "--role", "ve"], "lang en geheim wachtwoord", "organisation: Rol ve hoort bij"),
    (["--email", "nieuw@test.example", "--role", "nurse"], "lang en geheim wachtwoord", "'--role'"),
])
def test_user_create_refuses_bad_input_naming_the_field(app, runner, world, args, password, message):
    before = _counts(app)
    result = runner.invoke(args=["users", "create", *args, "--organisation", str(world.ids["jgz"])],
                           input=password + "\n")
    assert result.exit_code != 0 and message in result.output, result.output
    assert not password or password not in result.output   # never echoed, short ones included
    assert _counts(app) == before


def test_user_create_refuses_an_unknown_organisation(app, runner, world):
    result = runner.invoke(args=["users", "create", "--email", "nieuw@test.example", "--role", "jgz",
                                 "--organisation", "999999"], input="lang en geheim wachtwoord\n")
    assert result.exit_code != 0 and "organisation: no organisation with id 999999" in result.output
