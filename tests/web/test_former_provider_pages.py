"""The case page and the bereik-overleg page of a provider the child was referred away from
(the API side and the scenario: tests/test_former_provider.py)."""
from __future__ import annotations

import pytest

from ..test_former_provider import leave
from .conftest import text


@pytest.fixture
def left(api, world):
    return leave(api, world)


def test_former_provider_may_not_post_a_note_through_the_page(web, api, left):
    c = web("ve")
    c.get("/reminders/overleg/GM0375")
    r = c.post("/reminders/overleg/GM0375/notities", {"case_id": left["id"], "text": "Wij hebben nog plek."},
               follow_redirects=True)
    assert "alleen die aanbieder kan nu iets doen" in text(r)
    notes = [n["text"] for i in api("jgz").get("/bereik-overleg/GM0375").json["items"] for n in i["notes"]]
    assert "Wij hebben nog plek." not in notes


def test_former_providers_case_page_ends_at_the_re_referral(web, left):
    page = text(web("ve").get(f"/dossiers/{left['id']}"))
    assert "Duinroos belt nog een keer." in page            # the note from before it was left
    assert "Strandgaper plaatst na de zomer." not in page   # the next provider's
    assert "Opnieuw toeleiden" not in page and "Test ve2" not in page
    current = text(web("ve2").get(f"/dossiers/{left['id']}"))
    assert "Strandgaper plaatst na de zomer." in current and "Opnieuw toeleiden" in current


def test_former_providers_pages_show_the_case_as_it_left_it(web, left):
    c = web("ve")
    page = text(c.get(f"/dossiers/{left['id']}"))
    assert "Strandgaper" not in page and "Wachtlijst" not in page
    assert "Duinroos Centrum" in page and "Niet bereikt" in page
    listed = c.get("/werkvoorraad?lijst=all").get_data(as_text=True)   # the row's state badge
    assert "badge--not_reached" in listed and "badge--waitlisted" not in listed
    assert "Strandgaper" in text(web("ve2").get(f"/dossiers/{left['id']}"))
