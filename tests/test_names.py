"""Person names at registration: a name has a letter and no invisible character that changes how
it, or the text around it, is shown (child's given and family name, the parents' names)."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .db_fingerprint import fingerprint
from .factories import child

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")   # embeddings, overrides, isolates
NAME_FIELDS = ["child.given_name", "child.family_name", "parents[0].name"]
BAD_NAMES = [
    "\u200b",                      # zero-width space only
    "\u200b\u200c\u200d\u2060",    # zero-width characters only
    "\u202e",                      # a right-to-left override only
    "\u2067\u2069",                # an isolate, closed
    "Anna\u202e",                  # an override after a real name
    "\u202eannA",                  # shown as "Anna", stored reversed
    "An\u2066na",                  # an isolate inside
    "Jan\x07",                     # a control character
    "Jan\nde Vries",
    "---",                         # no letter at all
    "1234",
    "\u00ad",                      # a soft hyphen only (format character)
]


def _body(field: str, value: str) -> dict:
    body = {"municipality": "GM0375", "child": child(), "parents": [{"name": "Ouder Fictief"}]}
    if field == "parents[0].name":
        body["parents"][0]["name"] = value
    else:
        body["child"][field.split(".")[1]] = value
    return body


@pytest.mark.parametrize("field", NAME_FIELDS)
@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_without_a_letter_or_with_an_invisible_control_is_422(app, api, field, name):
    jgz = api("jgz")
    before = fingerprint(app)
    r = jgz.post("/cases", _body(field, name))
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json
    assert fingerprint(app) == before


@pytest.mark.parametrize("name", ["Anna", "Zoë", "d'Hondt", "Ĳsbrand", "محمد", "יעל", "李", "Jan-Willem",
                                  "\u0645\u06cc\u200c\u0631\u0627"])   # Persian with a zero-width non-joiner
def test_real_names_in_any_script_are_accepted(api, name):
    r = api("jgz").post("/cases", _body("child.given_name", name))
    assert r.status_code == 201, r.json
    assert r.json["child"]["given_name"] == name


def test_the_refusal_is_in_the_readers_language(api):
    jgz = api("jgz")
    r = jgz.client.post("/api/v1/cases", json=_body("child.family_name", "\u202e"),
                        headers={**jgz.headers, "Accept-Language": "en"})
    assert r.status_code == 422 and "Family name" in r.json["error"]["message"], r.json


@settings(max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(name=st.text(st.characters(blacklist_characters="\x00"), max_size=12))   # NUL: 400 for every route
def test_a_stored_name_has_a_letter_and_no_control(app, api, name):
    r = api("jgz").post("/cases", _body("child.family_name", name))
    assert r.status_code in (201, 422), r.json
    if r.status_code == 201:
        stored = r.json["child"]["family_name"]
        assert any(unicodedata.category(c).startswith("L") for c in stored)
        assert not any(c in BIDI_CONTROLS or unicodedata.category(c) == "Cc" for c in stored)
    else:
        assert r.json["error"]["field"] == "child.family_name"
