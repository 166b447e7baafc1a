"""Which reference dates the monitor answers, and how a difference from a publication is shown.

Two counts at neighbouring days, each at least the threshold and so shown in full, differ by the
child who entered or left between them. Everyone but the admin therefore reads the live monitor
only at the end of a month that has passed or at a published date (README, The regional monitor,
Reference dates), in the API, the page, the downloads and ``flask monitor show``. No one reads or
publishes a date before 2000 or in the future.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from toeleiding import clock

from .web.conftest import WebClient, text


@pytest.fixture(autouse=True)
def clock_at(monkeypatch):
    """``clock_at("2025-07-01")``: 10:00 UTC that day, in the app and in the factories' dates."""
    moment = {}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(day: str) -> None:
        moment["now"] = dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.timezone.utc)
    move("2025-07-01")
    return move


def _indicated(jgz, municipality: str, on: str) -> dict:
    return jgz.fire(jgz.register(municipality=municipality), "indicate", criteria=["home_language"], indication_date=on)


def _status(client, route: str, day: str) -> tuple[int, str | None]:
    r = client.get(f"{route}?region=ijmond&peildatum={day}")
    return r.status_code, (r.json.get("error") or {}).get("field")


def test_gemeente_and_cjg_read_the_live_monitor_only_at_a_past_month_end_or_a_published_date(api, world, runner,
                                                                                            clock_at):
    jgz = api("jgz")
    for on in ("2025-06-02", "2025-06-16"):
        _indicated(jgz, "GM0375", on)
    admin, readers = api("admin"), [api("gemeente"), api("cjg")]
    for route in ("/monitor", "/monitor/flows"):
        # Any day, today included (its count still changes), and a month end that is still to come.
        for day in ("2025-06-15", "2025-06-16", "2025-05-30", "2025-07-01"):
            for reader in readers:
                assert _status(reader, route, day) == (422, "peildatum"), (route, day)
            assert _status(admin, route, day) == (200, None)
        for day in ("2025-06-30", "2025-05-31", "2024-02-29"):
            for reader in readers:
                assert _status(reader, route, day) == (200, None), (route, day)
    shown = runner.invoke(args=["monitor", "show", "--region", "ijmond", "--peildatum", "2025-06-16",
                                "--by", "gemeente@test.example"])
    assert shown.exit_code != 0 and "peildatum" in shown.output, shown.output
    shown = runner.invoke(args=["monitor", "show", "--region", "ijmond", "--peildatum", "2025-06-30",
                                "--by", "gemeente@test.example"])
    assert shown.exit_code == 0 and shown.output.startswith("region,peildatum"), shown.output

    # A date the admin published is readable, live and as published.
    assert admin.post("/monitor/publications", {"region": "ijmond", "peildatum": "2025-06-16"}).status_code == 201
    for reader in readers:
        assert _status(reader, "/monitor", "2025-06-16") == (200, None)
        assert reader.get("/monitor/publications/2025-06-16?region=ijmond").status_code == 200
        assert _status(reader, "/monitor", "2025-06-15") == (422, "peildatum")

    # On the last day of a month that month end is not readable yet: its count is still changing.
    clock_at("2025-06-30")
    assert _status(readers[0], "/monitor", "2025-06-30") == (422, "peildatum")
    assert _status(readers[0], "/monitor", "2025-05-31") == (200, None)


def test_page_and_downloads_refuse_a_date_the_gemeente_may_not_read_and_offer_those_it_may(app, world, clock_at):
    browser = WebClient(app).sign_in("gemeente@test.example")
    for url in ("/monitor/", "/monitor/monitor.csv", "/monitor/monitor.xlsx"):
        r = browser.get(f"{url}?peildatum=2025-06-16")
        assert r.status_code == 422 and "Kies als peildatum" in text(r), url
        assert browser.client.get(f"{url}?peildatum=2025-06-30").status_code == 200, url
    # Without a date: the end of last month, chosen from a list instead of typed.
    page = browser.get("/monitor/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "peildatum 30 jun 2025" in text(page)
    options = re.findall(r'<option value="([0-9-]+)"( selected)?', html)
    assert options[:3] == [("2025-06-30", " selected"), ("2025-05-31", ""), ("2025-04-30", "")]
    assert len(options) == 36 and 'type="date"' not in html
    # The admin still types any date.
    admin = WebClient(app).sign_in("admin@test.example")
    r = admin.get("/monitor/?peildatum=2025-06-16")
    assert r.status_code == 200 and 'type="date"' in r.get_data(as_text=True)


def _check_differences(published: dict, live: dict) -> None:
    """Each difference is live minus published where the reader sees both, else ``x``."""
    def rows(table):
        out = {m["code"]: m["cells"] for m in table["municipalities"]}
        out["total"] = table["total"]["cells"]
        return out
    pub, now, diff = rows(published), rows(live), rows(published["difference"])
    for row, cells in diff.items():
        for name, cell in cells.items():
            a, b = now[row][name]["value"], pub[row][name]["value"]
            if a is None or b is None:
                assert cell == {"value": None, "display": "x"}, (row, name, cell)
            else:
                d = a - b
                assert cell == {"value": d, "display": f"{d:+d}" if d else "0"}, (row, name, cell)


def test_a_difference_is_exact_where_both_sides_are_shown_and_hidden_where_either_is(app, api, world, clock_at):
    jgz, admin = api("jgz"), api("admin")
    for _ in range(12):
        _indicated(jgz, "GM0375", "2025-06-02")
    for _ in range(11):
        _indicated(jgz, "GM0396", "2025-06-02")
    assert admin.post("/monitor/publications", {"region": "ijmond", "peildatum": "2025-06-30"}).status_code == 201

    # Recorded after the publication, dated before it: one more child in Beverwijk's target group.
    clock_at("2025-07-03")
    _indicated(api("jgz"), "GM0375", "2025-06-25")
    gem = api("gemeente")
    published = gem.get("/monitor/publications/2025-06-30?region=ijmond").json
    live = gem.get("/monitor?region=ijmond&peildatum=2025-06-30").json
    _check_differences(published, live)
    # 13 and 12 are both shown, so '+<10' would hide nothing: the difference is given as it is.
    beverwijk = published["difference"]["municipalities"][0]
    assert beverwijk["code"] == "GM0375" and beverwijk["cells"]["target_group"] == {"value": 1, "display": "+1"}

    # A threshold raised since the publication hides live counts the publication showed: their
    # differences are hidden too, else live = published + difference would give them away.
    app.config["SUPPRESSION_THRESHOLD"] = 30
    published = gem.get("/monitor/publications/2025-06-30?region=ijmond").json
    live = gem.get("/monitor?region=ijmond&peildatum=2025-06-30").json
    assert published["municipalities"][0]["cells"]["target_group"]["value"] == 12    # as published, threshold 10
    assert live["total"]["cells"]["target_group"]["value"] is None
    _check_differences(published, live)
    assert published["difference"]["total"]["cells"]["target_group"] == {"value": None, "display": "x"}
    # The admin (signed in again: two days have passed) sees every difference.
    unsuppressed = api("admin").get("/monitor/publications/2025-06-30?region=ijmond").json["difference"]
    assert unsuppressed["total"]["cells"]["target_group"] == {"value": 1, "display": "+1"}


@pytest.mark.parametrize("peildatum,message", [
    ("0081-06-30", "niet voor 1 jan 2000"),
    ("1999-12-31", "niet voor 1 jan 2000"),
    ("2025-07-02", "niet in de toekomst"),
    ("30-06-2025", "Ongeldige peildatum"),
])
def test_no_one_publishes_or_reads_a_peildatum_before_2000_or_in_the_future(app, api, world, runner, peildatum,
                                                                           message):
    admin = api("admin")
    for r in (admin.post("/monitor/publications", {"region": "ijmond", "peildatum": peildatum}),
              admin.get(f"/monitor?region=ijmond&peildatum={peildatum}"),
              admin.get(f"/monitor/flows?region=ijmond&peildatum={peildatum}")):
        assert r.status_code == 422 and r.json["error"]["field"] == "peildatum", r.json
        assert message in r.json["error"]["message"]
    for command in ("publish", "show"):
        result = runner.invoke(args=["monitor", command, "--region", "ijmond", "--peildatum", peildatum,
                                     "--by", "admin@test.example"])
        assert result.exit_code != 0 and "peildatum: " in result.output and message in result.output, result.output
    browser = WebClient(app).sign_in("admin@test.example")
    browser.get("/monitor/")
    r = browser.post("/monitor/publish", {"peildatum": peildatum})
    assert r.status_code == 302 and "peildatum=" not in r.location
    page = browser.get(r.location)
    assert page.status_code == 200 and message in text(page)
    r = browser.get(f"/monitor/?peildatum={peildatum}")
    assert r.status_code == 422 and message in text(r)
    assert admin.get("/monitor/publications?region=ijmond").json["items"] == []


def test_the_earliest_reference_date_is_1_january_2000(api, world):
    admin = api("admin")
    assert admin.post("/monitor/publications", {"region": "ijmond", "peildatum": "2000-01-01"}).status_code == 201
    assert admin.get("/monitor?region=ijmond&peildatum=2000-01-01").status_code == 200
