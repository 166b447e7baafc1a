"""Registering a child through the page: every field's bad input, and the duplicate BSN in and out of scope."""
from __future__ import annotations

import pytest

from ..factories import child, make_bsn
from .conftest import text


def _form(**overrides) -> dict:
    data = {"municipality": "GM0375", **child(), "parent0_name": "Ouder Fictief", "parent0_phone": "0612345678"}
    data.update(overrides)
    return data


def test_register_opens_the_new_case(web):
    jgz = web("jgz")
    r = jgz.post("/dossiers/nieuw", _form())
    assert r.status_code == 302 and r.location.startswith("/dossiers/")
    page = text(jgz.get(r.location))
    assert "Het kind is geregistreerd." in page and "Gesignaleerd" in page and "Ouder Fictief" in page


def test_empty_parent_rows_are_ignored_and_errors_point_at_the_right_row(web):
    jgz = web("jgz")
    r = jgz.post("/dossiers/nieuw", _form(parent0_name="", parent0_phone="", parent1_name="Tweede Ouder",
                                          parent1_phone="geen nummer"))
    assert r.status_code == 422 and 'id="f-parent1_phone-error"' in r.get_data(as_text=True)


@pytest.mark.parametrize("field,value,message", [
    ("municipality", "", "Gemeente is verplicht"),
    ("municipality", "GM0664", "hoort niet bij uw regio"),
    ("municipality", "GM9999", "Onbekende gemeente"),
    ("given_name", "", "Voornaam is verplicht."),
    ("family_name", "", "Achternaam is verplicht."),
    ("bsn", "", "BSN is verplicht."),
    ("bsn", "123456789", "elfproef"),
    ("bsn", "12345", "elfproef"),
    ("birth_date", "", "datum"),
    ("birth_date", "31-02-2024", "Ongeldige datum"),
    ("birth_date", "2099-01-01", "toekomst"),
    ("birth_date", "2015-01-01", "4 jaar of ouder"),
    ("postcode", "ABCD 12", "Ongeldige postcode"),
    ("house_number", "", "Huisnummer is verplicht."),
    ("house_number", "nul", "Ongeldig huisnummer"),
    ("parent0_name", "", "Naam ouder is verplicht."),
    ("parent0_phone", "bel me", "Ongeldig telefoonnummer"),
    ("parent0_email", "geen-adres", "Ongeldig e-mailadres"),
])
def test_bad_input_is_named_beside_its_field_and_nothing_is_stored(web, field, value, message):
    jgz = web("jgz")
    form = _form(**{field: value})
    r = jgz.post("/dossiers/nieuw", form)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert f'id="f-{field}-error"' in body, body[:3000]
    assert message in body.split(f'id="f-{field}-error"')[1][:300]
    assert f'href="#f-{field}"' in body                        # the summary links to the field
    if form["given_name"]:
        assert f'value="{form["given_name"]}"' in body            # what was typed stays
    assert "Geen kinderen" in text(jgz.get("/werkvoorraad?lijst=all"))


def test_duplicate_in_scope_links_to_the_open_case(web):
    jgz = web("jgz")
    bsn = make_bsn()
    first = jgz.post("/dossiers/nieuw", _form(bsn=bsn)).location
    r = jgz.post("/dossiers/nieuw", _form(bsn=bsn))
    assert r.status_code == 409 and "Voor dit kind is al een open dossier." in text(r)
    assert f'href="{first}"' in r.get_data(as_text=True)


def test_duplicate_outside_scope_names_neither_the_case_nor_where_it_is(web):
    bsn = make_bsn()
    assert web("jgz_bev").post("/dossiers/nieuw", _form(bsn=bsn, municipality="GM0664")).status_code == 302
    r = web("jgz").post("/dossiers/nieuw", _form(bsn=bsn))
    assert r.status_code == 409
    page = text(r)
    assert "elders al een open dossier" in page and "functioneel beheerder" in page
    assert "Bevelanden" not in page
    assert "/dossiers/" not in r.get_data(as_text=True).split("<main")[1].split("<form")[0]   # no link out of scope
