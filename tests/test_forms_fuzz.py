"""Every form fed hypothesis-made input: never a 500, and a refused form stores nothing.

The forms come from the app's URL map: every POST route outside the JSON API needs a row in
FORMS (who posts it, and a strategy for its URL and fields), or ``test_every_post_form_is_fuzzed``
fails. The forms are posted through the real sign-in with the session's CSRF token. Generated
values mix plausible ones (dates, digits, real ids and codes) with arbitrary text, so both the
services' checks and the parsing in front of them are exercised.

"Refused" is a 4xx, or a redirect back to a page that shows an error message (the inbox and
monitor forms answer that way). "Stores nothing" compares a hash of every row of every table
(tests/db_fingerprint.py), so an UPDATE that keeps the row counts is seen too.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toeleiding.extensions import db

from .db_fingerprint import GROWS_ON_REFUSAL, SIGN_IN_COUNTS, changed, fingerprint
from .factories import days_ago
from .web.conftest import WebClient
from .web.test_pages import targets  # noqa: F401  (the referred case, the stuck case, its reminder …)

# Modest: the suite runs twice in CI, and every example hashes the database twice.
SETTINGS = settings(max_examples=15, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
CSRF_REFUSED = "Het formulier is verlopen"
ERROR_FLASH = 'class="alert alert--error"'

# Digits str.isdigit() passes and int() refuses ('²') or reads as another number ('٣', '１'),
# numbers past an INTEGER column, line breaks (a header if echoed into a redirect), brackets.
odd = st.sampled_from(["²", "٣", "１２", "2147483648", "99999999999", "9" * 5000, "1\r\n", "x\r\nSet-Cookie: a=b",
                       "[" * 5000])
text = st.one_of(st.text(max_size=40), odd)
digits = st.one_of(st.text(alphabet="0123456789", min_size=0, max_size=11),
                   st.text(alphabet="0123456789²³٠١٢٣٤٥٦٧٨٩０１２", min_size=1, max_size=11))
dates = st.one_of(st.dates().map(str), st.just(days_ago(1)), st.just(days_ago(-400)), text)
ids = st.one_of(st.integers(min_value=-3, max_value=30).map(str), st.just(str(2**40)), st.just(str(2**31)), text)
anything = st.one_of(text, digits, dates, ids)


def form(url, **fields):
    """A strategy for (url, fields); ``url`` may itself be a strategy."""
    return st.tuples(url if isinstance(url, st.SearchStrategy) else st.just(url), st.fixed_dictionaries(fields))


def one_of_ids(*real) -> st.SearchStrategy:
    return st.one_of(st.sampled_from([str(r) for r in real]), ids)


# endpoint -> (who posts it, fresh session per example?, t -> strategy of (url, fields)).
# ``t`` holds the targets of tests/web/test_pages.py plus the world's ids and e-mails.
FORMS = {
    "web.login": (None, True, lambda t: form(
        "/aanmelden", email=st.one_of(st.just(t["emails"]["jgz"]), st.emails(), text), password=text, totp=anything)),
    "web.logout": ("jgz", True, lambda t: form("/afmelden", next=st.one_of(st.just("/ve"), text))),
    "web.language": (None, False, lambda t: form(
        st.sampled_from(["/taal/en", "/taal/nl", "/taal/xx"]), next=st.one_of(st.just("/ve"), st.just("//evil"), text))),
    "web.set_password": (None, False, lambda t: form(
        st.sampled_from([f"/wachtwoord/{t['token']}", "/wachtwoord/x.y.z"]), password=text, repeat=text)),
    "web.two_factor": ("jgz", False, lambda t: form(
        "/account/tweestapsverificatie", action=st.one_of(st.sampled_from(["propose", "confirm", "disable"]), text),
        totp=st.one_of(digits, text))),
    "cases.search": ("jgz", False, lambda t: form(
        "/zoeken", bsn=st.one_of(digits, text, st.just("999999990")), achternaam=text, voornaam=text)),
    "cases.register": ("jgz", False, lambda t: form(
        "/dossiers/nieuw", municipality=st.one_of(st.just("GM0375"), st.just("GM0664"), text),
        given_name=text, family_name=text, bsn=st.one_of(digits, text, st.just("999999990")), birth_date=dates,
        postcode=st.one_of(st.just("1941 AB"), text), house_number=st.one_of(digits, text),
        parent0_name=text, parent0_phone=st.one_of(digits, text), parent0_email=text)),
    "cases.act": ("ve", False, lambda t: form(
        st.sampled_from(["place", "waitlist", "report_not_reached", "close", "teleport"]).map(
            lambda trigger: f"/dossiers/{t['case']}/acties/{trigger}"),
        version=st.one_of(st.just(str(t["version"])), ids), start_date=dates, hours_per_week=anything,
        location_id=one_of_ids(t["ids"]["loc"], t["ids"]["loc2"]),
        reason=st.one_of(st.sampled_from(["other", "no_contact", "x"]), text), reason_text=text, date=dates,
        expected_start_date=dates)),
    "cases.edit": ("jgz", False, lambda t: form(
        st.sampled_from([t["case"], t["stuck"], "x"]).map(lambda c: f"/dossiers/{c}/wijzigen"),
        version=st.one_of(st.just(str(t["version"])), ids), given_name=text, family_name=text,
        bsn=st.one_of(digits, text, st.just("999999990")), postcode=st.one_of(st.just("1941 AB"), text),
        house_number=st.one_of(digits, text), parent0_name=text, parent0_phone=st.one_of(digits, text),
        parent0_email=text, parent1_name=text)),
    "cases.move": ("jgz", False, lambda t: form(
        st.sampled_from([t["case"], t["stuck"], "x"]).map(lambda c: f"/dossiers/{c}/verhuizing"),
        version=st.one_of(st.just(str(t["version"])), ids),
        move_municipality=st.one_of(st.sampled_from(["GM0396", "GM0664", "GM9999"]), text), move_effective_date=dates)),
    "outreach.record": ("jgz", False, lambda t: form(
        st.sampled_from([t["stuck"], t["case"], "x"]).map(lambda c: f"/dossiers/{c}/contactpogingen"),
        date=dates, method=st.one_of(st.sampled_from(["phone", "home_visit", "x"]), text),
        interpreter=st.one_of(st.sampled_from(["ja", ""]), text), outcome=text)),
    # Signals (issue 11.9): the registration form with a note, by a provider.
    "signals.new": ("ve", False, lambda t: form(
        "/signaleringen/nieuw", municipality=st.one_of(st.just("GM0375"), st.just("GM0664"), text),
        given_name=text, family_name=text, bsn=st.one_of(digits, text, st.just("999999990")), birth_date=dates,
        postcode=st.one_of(st.just("1941 AB"), text), house_number=st.one_of(digits, text),
        parent0_name=text, parent0_phone=st.one_of(digits, text), note=text)),
    "reminders.case_note": ("cjg", False, lambda t: form(
        st.sampled_from([t["stuck"], t["case"], "x"]).map(lambda c: f"/reminders/dossiers/{c}/notities"), text=text)),
    "admin.organisations": ("admin", False, lambda t: form(
        "/beheer/organisaties", name=text, kind=st.one_of(st.sampled_from(["jgz", "cjg", "school", "ve_provider"]), text),
        municipalities=ids)),
    "admin.organisation": ("admin", False, lambda t: form(f"/beheer/organisaties/{t['ids']['ve2']}", name=text)),
    "admin.organisation_deactivate": ("admin", False, lambda t: form(
        st.sampled_from([t["ids"]["ve2"], t["ids"]["school"]]).map(lambda o: f"/beheer/organisaties/{o}/deactiveren"),
        confirm=text)),
    "admin.organisation_activate": ("admin", False, lambda t: form(
        f"/beheer/organisaties/{t['ids']['school']}/activeren", confirm=text)),
    "admin.locations": ("admin", False, lambda t: form(
        "/beheer/locaties", name=text, provider=one_of_ids(t["ids"]["ve"]), municipality=ids,
        lrk_number=st.one_of(digits, text), address=text)),
    "admin.location": ("admin", False, lambda t: form(
        f"/beheer/locaties/{t['ids']['loc2']}", name=text, address=text, active=st.one_of(st.just("ja"), text),
        weeks_open=st.one_of(st.integers(-5, 60).map(str), text),
        ve_places=st.one_of(digits, anything), opening_days=st.one_of(st.sampled_from(["1", "8"]), text),
        setting=st.one_of(st.just("peuteropvang"), text), ve_programme=st.one_of(st.just("piramide"), text))),
    "capacity.location": ("ve", False, lambda t: form(
        st.sampled_from([t["ids"]["loc"], t["ids"]["loc2"], 2**31]).map(lambda loc: f"/organisatie/locaties/{loc}"),
        ve_places=st.one_of(digits, anything), opening_days=st.one_of(st.sampled_from(["1", "7", "8", "0"]), text),
        setting=st.one_of(st.sampled_from(["peuteropvang", "kinderdagverblijf"]), text),
        ve_programme=st.one_of(st.sampled_from(["piramide", "anders"]), text),
        weeks_open=st.one_of(st.integers(-5, 60).map(str), text))),
    "admin.users": ("admin", False, lambda t: form(
        "/beheer/gebruikers", email=st.one_of(st.emails(), text), name=text,
        role=st.one_of(st.sampled_from(["jgz", "ve", "admin"]), text), organisation=one_of_ids(t["ids"]["ve"]))),
    "admin.user_deactivate": ("admin", False, lambda t: form(f"/beheer/gebruikers/{t['user']}/deactiveren", x=text)),
    "admin.user_activate": ("admin", False, lambda t: form(f"/beheer/gebruikers/{t['user']}/activeren", x=text)),
    "admin.user_reset": ("admin", False, lambda t: form(f"/beheer/gebruikers/{t['user']}/wachtwoord", x=text)),
    "admin.municipality": ("admin", False, lambda t: form(
        st.sampled_from([t["municipality"], 99999]).map(lambda m: f"/beheer/gemeenten/{m}"),
        public_intro=text, public_apply=st.one_of(text, st.text(min_size=2001, max_size=2100)), public_contact=text)),
    "admin.definitions": ("admin", False, lambda t: form(
        "/beheer/doelgroepdefinities", municipality=ids, name=text, valid_from=dates, valid_until=dates,
        min_age_months=st.one_of(st.sampled_from(["24", "30"]), anything), criteria=text)),
    "admin.definition_end": ("admin", False, lambda t: form(
        f"/beheer/doelgroepdefinities/{t['definition']}/beeindigen", valid_until=dates)),
    "admin.figures_edit": ("admin", False, lambda t: form(
        st.sampled_from(["GM0375/2026", "GM0375/1999", "GM9999/2026"]).map(lambda p: f"/beheer/jaarcijfers/{p}"),
        cbs_target_group=st.one_of(digits, anything), cbs_suppressed=st.one_of(st.just("1"), text),
        jgz_target_group=st.one_of(digits, anything), goab_budget=st.one_of(digits, anything),
        toddlers=st.one_of(digits, anything), ve_places=st.one_of(digits, anything))),
    "admin.municipality_create": ("admin", False, lambda t: form(
        "/beheer/regio-indeling", code=st.one_of(st.just("GM0716"), text), name=text, valid_from=dates)),
    "admin.membership_change": ("admin", False, lambda t: form(
        "/beheer/regio-indeling/wijzigen", action=st.one_of(st.sampled_from(["join", "leave"]), text),
        municipality=st.one_of(st.just("GM0375"), text), valid_from=dates)),
    "admin.targets": ("admin", False, lambda t: form(
        "/beheer/doelen", kind=st.one_of(st.sampled_from(["target_group_placed", "all_toddlers"]), text),
        pct=st.one_of(digits, anything), valid_from=dates, valid_until=dates)),
    "reminders.done": ("cjg", False, lambda t: form(
        st.sampled_from([t["reminder"], 99999]).map(lambda r: f"/reminders/{r}/afgehandeld"), status=text)),
    "reminders.snooze": ("cjg", False, lambda t: form(
        st.sampled_from([t["reminder"], 99999]).map(lambda r: f"/reminders/{r}/uitstellen"),
        until=dates, reason=st.one_of(st.just("Ouders op vakantie"), text), status=text)),
    "reminders.add_note": ("cjg", False, lambda t: form(
        st.sampled_from(["GM0375", "GM0396", "GM9999"]).map(lambda code: f"/reminders/overleg/{code}/notities"),
        case_id=st.one_of(st.just(t["stuck"]), st.just(t["case"]), text), text=text)),
    # Bereik-overleg as meetings (issue 11.8).
    "reminders.open_meeting": ("cjg", False, lambda t: form(
        st.sampled_from(["GM0375", "GM0396", "GM9999", "x"]).map(lambda code: f"/reminders/overleg/{code}/vergaderingen"),
        held_on=dates, organisation_ids=one_of_ids(t["ids"]["jgz"], t["ids"]["ve"], t["ids"]["school"]))),
    "reminders.add_action": ("cjg", False, lambda t: form(
        st.sampled_from([t["meeting"], "x", "00000000-0000-0000-0000-000000000000"]).map(
            lambda m: f"/reminders/vergaderingen/{m}/afspraken"),
        case_id=st.one_of(st.just(t["stuck"]), st.just(t["case"]), text),
        owner_id=one_of_ids(t["ids"]["jgz"], t["ids"]["cjg"], t["ids"]["ve"]), due_on=dates, text=text)),
    "reminders.action_done": ("jgz", False, lambda t: form(
        st.sampled_from([t["action"], "x", "00000000-0000-0000-0000-000000000000"]).map(
            lambda a: f"/reminders/afspraken/{a}/gedaan"))),
    "monitor.publish": ("admin", False, lambda t: form("/monitor/publish", peildatum=dates, confirm=st.one_of(st.just("ja"), text))),
    "monitor.add_category": ("cjg", False, lambda t: form("/monitor/categorieen", code=text, label=text)),
    "monitor.recode": ("cjg", False, lambda t: form(
        st.sampled_from([t["event"], 99999]).map(lambda e: f"/monitor/anders/{e}"),
        choice=st.one_of(st.sampled_from(["", "reason:no_contact", "reason:x", "category:1", "category:x"]), text))),
    "privacy.emergency_access": ("admin", False, lambda t: form(
        "/beheer/noodtoegang", case_id=st.one_of(st.just(t["case"]), text), reason=text, minutes=anything)),
}


def _post_forms(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.endpoint.startswith("api.")}


def test_every_post_form_is_fuzzed(app):
    missing = sorted(_post_forms(app) - set(FORMS))
    assert not missing, f"POST forms without a row in FORMS: {missing}"
    assert not set(FORMS) - _post_forms(app), f"rows for forms that no longer exist: {set(FORMS) - _post_forms(app)}"


def test_fingerprint_sees_an_update_that_keeps_every_count(app, world):
    before = fingerprint(app)
    with app.app_context():
        db.session.execute(sa.text("UPDATE locations SET name = 'Andere naam' WHERE id = :id"), {"id": world.ids["loc"]})
        db.session.commit()
    assert changed(before, fingerprint(app)) == ["locations"]


def _refused(web, response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code in (301, 302, 303) and response.location:
        # Forms that always redirect say "refused" in the page they send back to.
        return ERROR_FLASH in web.get(response.location).get_data(as_text=True)
    return False


@pytest.fixture
def fuzz_targets(world, targets):
    return {**targets, "ids": world.ids, "emails": world.emails}


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_form_never_500s_and_stores_nothing_when_refusing(app, world, fuzz_targets, endpoint):
    who, fresh, strategy = FORMS[endpoint]
    skip = GROWS_ON_REFUSAL | (SIGN_IN_COUNTS if endpoint == "web.login" else frozenset())

    def session() -> WebClient:
        web = WebClient(app)
        return web.sign_in(world.emails[who]) if who else web

    shared = None if fresh else session()
    seen: set[int] = set()
    refused: list[str] = []

    @SETTINGS
    @given(generated=strategy(fuzz_targets))
    def run(generated):
        url, fields = generated
        web = shared or session()
        before = fingerprint(app, skip)
        response = web.post(url, fields)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (url, response.status_code)
        assert CSRF_REFUSED not in body, "the form was refused for its CSRF token, not for its input"
        # The generator reaches the form itself, not a sign-in redirect.
        assert not (response.status_code == 302 and response.location.startswith("/aanmelden?next=")), url
        seen.add(response.status_code)
        after = fingerprint(app, skip)
        if _refused(web, response):
            refused.append(url)
            assert not changed(before, after), f"{url} answered {response.status_code} but changed {changed(before, after)}"
    run()
    # Each form's refusal path was reached, so "stores nothing" was checked at least once.
    assert refused or endpoint in NOTHING_TO_REFUSE, (endpoint, seen)


# Forms with no input of their own: any signed-in admin's (or user's) post is carried out.
NOTHING_TO_REFUSE = {"web.logout", "admin.user_activate", "admin.user_deactivate", "admin.user_reset",
                     "admin.organisation_activate"}
