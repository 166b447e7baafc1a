"""Signals from VE and CJG (issue 11, point 9): a provider or the CJG signals a child (the
registration form with a note) to JGZ, who finds it in its work list to assess; JGZ's next step on
the case assesses it; the signaller sees only its own signals, assessed or not, never the
indication, and the case stays outside its scope. Who registers and who signals is the workflow
file's (registration)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from toeleiding.extensions import db
from toeleiding.workflow.definition import WorkflowError, load_workflow

from .factories import child, days_ago, make_bsn
from .web.conftest import text as page_text, web  # noqa: F401  (the page fixture)

NOTE = "Moeder vertelt dat thuis alleen Arabisch wordt gesproken."


def signal(client, expect=201, **body):
    data = {"municipality": "GM0375", "child": child(), "parents": [{"name": "Ouder Fictief", "phone": "0612345678"}],
            "note": NOTE, **body}
    r = client.post("/signals", data)
    assert r.status_code == expect, r.json
    return r.json


def jgz_case_of(api, given_name):
    items = api("jgz").get("/cases", query_string={"family_name": "Fictiefsma"}).json["items"]
    found = [c for c in items if c["child"]["given_name"] == given_name]
    assert len(found) == 1, items
    return api("jgz").get(f"/cases/{found[0]['id']}").json


# --- Signalling and reading one's own signals ------------------------------------------------

@pytest.mark.parametrize("who", ["ve", "cjg"])
def test_ve_and_cjg_signal_a_child_and_see_it_not_yet_assessed(api, world, who):
    made = signal(api(who), child=child(given_name="Signaalkind"))
    assert made["assessed"] is False and made["assessed_at"] is None
    assert made["note"] == NOTE and made["child"]["given_name"] == "Signaalkind"
    listed = api(who).get("/signals").json
    assert listed["total"] == 1 and [s["id"] for s in listed["items"]] == [made["id"]]
    # Nothing about the case's course: no state, no steps, no indication, no case id.
    assert not {"state", "case_id", "history", "criteria", "triggers"} & set(listed["items"][0])
    case = jgz_case_of(api, "Signaalkind")
    assert case["state"] == api("jgz").get("/workflow").json["initial"]


def test_the_signaller_does_not_see_the_case(api, world):
    signal(api("ve"), child=child(given_name="Buitenbeeld"))
    case = jgz_case_of(api, "Buitenbeeld")
    assert api("ve").get(f"/cases/{case['id']}").status_code == 404
    assert case["id"] not in [c["id"] for c in api("ve").get("/cases").json["items"]]


def test_jgz_next_step_assesses_the_signal_and_the_signaller_learns_only_that(api, world):
    made = signal(api("cjg"), child=child(given_name="Beoordeeld"))
    case = jgz_case_of(api, "Beoordeeld")
    api("jgz").fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(1))
    after = api("cjg").get("/signals").json["items"][0]
    assert after["id"] == made["id"] and after["assessed"] is True and after["assessed_at"]
    assert "indicate" not in str(after) and "home_language" not in str(after)
    # The CJG's normal scope (not reached) does not hold the child: still 404.
    assert api("cjg").get(f"/cases/{case['id']}").status_code == 404
    assert api("cjg").get("/signals", query_string={"assessed": "false"}).json["total"] == 0
    assert api("cjg").get("/signals", query_string={"assessed": "true"}).json["total"] == 1


def test_colleagues_share_signals_other_organisations_do_not(api, world):
    signal(api("cjg"))
    assert api("cjg2").get("/signals").json["total"] == 0
    assert api("ve").get("/signals").json["total"] == 0


@pytest.mark.parametrize("who", ["jgz", "gemeente", "admin"])
def test_roles_that_do_not_signal_are_refused(api, world, who):
    assert api(who).post("/signals", {"municipality": "GM0375", "child": child(), "note": NOTE}).status_code == 403
    assert api(who).get("/signals").status_code == 403


def test_the_note_is_stored_encrypted(app, api, world):
    signal(api("ve"), note="Geheime toelichting Zq9")
    with app.app_context():
        raw = db.session.execute(text("SELECT note FROM case_signals")).scalar_one()
    assert b"Zq9" not in bytes(raw)


# --- Bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"note": None}, "note"),
    ({"note": "   "}, "note"),
    ({"note": 12}, "note"),
    ({"note": "x" * 2001}, "note"),
    ({"municipality": "GM9999"}, "municipality"),
    ({"municipality": "GM0664"}, "municipality"),   # another region's
    ({"child": child(bsn="123456789")}, "child.bsn"),
    ({"child": "kind"}, "child"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(app, api, world, body, field):
    r = api("ve").post("/signals", {"municipality": "GM0375", "child": child(), "note": NOTE, **body})
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == field
    assert api("ve").get("/signals").json["total"] == 0
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0


def test_every_field_at_fault_is_named_at_once(api, world):
    r = api("ve").post("/signals", {"municipality": "GM0375", "child": child(bsn="123456789")})
    assert r.status_code == 422
    assert [f["field"] for f in r.json["error"]["fields"]] == ["child.bsn", "note"]


def test_not_json_is_a_400(api, world):
    assert api("ve").post("/signals", [1, 2]).status_code == 400


def test_bad_query_arguments_are_422(api, world):
    assert api("ve").get("/signals", query_string={"assessed": "ja"}).json["error"]["field"] == "assessed"
    assert api("ve").get("/signals", query_string={"page": "0"}).status_code == 422


def test_a_child_with_an_open_case_is_refused_without_saying_where(api, world):
    bsn = make_bsn()
    api("jgz").register(bsn=bsn)
    r = api("ve").post("/signals", {"municipality": "GM0375", "child": child(bsn=bsn), "note": NOTE})
    assert r.status_code == 409
    assert r.json["error"]["field"] == "child.bsn" and "case_id" not in r.json["error"]
    assert "JGZ" in r.json["error"]["message"]


# --- JGZ's side: the work list tab, the case page -------------------------------------------

def test_jgz_finds_the_signal_in_its_work_list_and_on_the_case_page(api, world, web):
    signal(api("ve"), child=child(given_name="Lijstkind"))
    api("jgz").register(given_name="Eigenkind")   # registered by JGZ itself: not a partner's signal
    jgz = web("jgz")
    page = page_text(jgz.get("/werkvoorraad?lijst=partner_signals"))
    assert "Lijstkind" in page and "Eigenkind" not in page
    case = jgz_case_of(api, "Lijstkind")
    shown = page_text(jgz.get(f"/dossiers/{case['id']}"))
    assert "Gesignaleerd door een partner" in shown and NOTE in shown and "Nog niet beoordeeld" in shown
    api("jgz").fire(case, "reject", reason_text="Geen doelgroep na gesprek.")
    assert "Lijstkind" not in page_text(jgz.get("/werkvoorraad?lijst=partner_signals"))
    assert api("ve").get("/signals").json["items"][0]["assessed"] is True


def test_jgz_reads_the_signals_of_a_case_through_the_api(api, world):
    signal(api("ve"), child=child(given_name="Apikind"))
    case = jgz_case_of(api, "Apikind")
    items = api("jgz").get(f"/cases/{case['id']}/signals").json["items"]
    assert [(s["note"], s["assessed"], s["role"]) for s in items] == [(NOTE, False, "ve")]
    assert api("jgz_bev").get(f"/cases/{case['id']}/signals").status_code == 404   # another region
    assert api("ve").get(f"/cases/{case['id']}/signals").status_code == 404   # the signaller: not in its scope


def test_the_provider_does_not_see_the_note_on_a_case_later_referred_to_it(api, world, web):
    signal(api("cjg"), child=child(given_name="Doorverwezen"))
    case = jgz_case_of(api, "Doorverwezen")
    case = api("jgz").fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(2))
    api("jgz").fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(1))
    shown = page_text(web("ve").get(f"/dossiers/{case['id']}"))
    assert "Doorverwezen" in shown and NOTE not in shown


def test_the_parents_export_holds_the_signal(api, world):
    signal(api("ve"), child=child(given_name="Exportkind"))
    case = jgz_case_of(api, "Exportkind")
    export = api("jgz").get(f"/cases/{case['id']}/export").json
    assert [s["note"] for s in export["signals"]] == [NOTE]


# --- The pages -------------------------------------------------------------------------------

def _form(**overrides) -> dict:
    data = {"municipality": "GM0375", **child(given_name="Formkind"), "parent0_name": "Ouder Fictief",
            "parent0_phone": "0612345678", "note": NOTE}
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["ve", "cjg"])
def test_the_signal_page_signals_and_lists(web, who):
    c = web(who)
    assert "Signaleringen" in page_text(c.get("/werkvoorraad"))   # the menu item
    r = c.post("/signaleringen/nieuw", _form())
    assert r.status_code == 302 and r.location.endswith("/signaleringen")
    page = page_text(c.get("/signaleringen"))
    assert "Formkind" in page and "Nog niet beoordeeld" in page and NOTE in page


def test_the_menu_follows_the_workflow_registration(web):
    jgz = page_text(web("jgz").get("/werkvoorraad"))
    ve = page_text(web("ve").get("/werkvoorraad"))
    assert "Kind registreren" in jgz and "Signaleringen" not in jgz
    assert "Signaleringen" in ve and "Kind registreren" not in ve


def test_the_form_names_each_field_at_fault(web):
    c = web("ve")
    r = c.post("/signaleringen/nieuw", _form(note="", bsn="123456789"))
    assert r.status_code == 422
    page = page_text(r)
    assert "Toelichting is verplicht." in page and "elfproef" in page
    assert 'value="Formkind"' in r.get_data(as_text=True)   # what was typed stays in the form
    assert "Formkind" not in page_text(c.get("/signaleringen"))


def test_the_form_in_english(web):
    c = web("cjg")
    assert c.post("/taal/en", {"next": "/"}).status_code == 302
    r = c.post("/signaleringen/nieuw", _form(note=""))
    assert r.status_code == 422 and "Explanation is required." in page_text(r)
    assert "Signal a child" in page_text(c.get("/signaleringen/nieuw"))
    c.post("/signaleringen/nieuw", _form())
    assert "Not assessed yet" in page_text(c.get("/signaleringen"))


def test_a_bad_page_number_is_said(web):
    assert web("ve").get("/signaleringen?pagina=nul").status_code == 400


# --- The workflow file ---------------------------------------------------------------------

MINIMAL = (Path(__file__).parent / "workflows" / "valid_minimal.yaml").read_text(encoding="utf-8")


def _load(tmp_path, extra: str):
    path = tmp_path / "wf.yaml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return load_workflow(path)


def test_the_api_says_who_registers_and_who_signals(api, world):
    assert api("ve").get("/workflow").json["registration"] == {"register": ["jgz"], "signal": ["ve", "cjg"]}


def test_registration_from_the_file_and_its_default(tmp_path):
    assert _load(tmp_path, "").registration.register == ("jgz",)   # who takes every step out of the initial state
    assert _load(tmp_path, "").registration.signal == ()
    wf = _load(tmp_path, "registration: {register: [jgz], signal: [ve]}\n")
    assert (wf.registration.register, wf.registration.signal) == (("jgz",), ("ve",))


@pytest.mark.parametrize(("extra", "message"), [
    ("registration: {register: [jgz], signal: [teacher]}\n", "registration.signal[0]: unknown role 'teacher'"),
    ("registration: {register: [jgz], signal: [jgz]}\n", "registration.signal: 'jgz' registers already"),
    ("registration: {signal: [ve]}\n", "'register' is a required property"),
    ("work_lists:\n  jgz: [{key: partner, label: P, states: [signalled], only_signalled: true}]\n",
     "work_lists.jgz[0].only_signalled"),
])
def test_a_bad_registration_is_refused_naming_its_key(tmp_path, extra, message):
    with pytest.raises(WorkflowError) as exc:
        _load(tmp_path, extra)
    assert message in str(exc.value)
