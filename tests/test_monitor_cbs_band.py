"""CBS counts the target group aged 2.5 to 4: the monitor splits its own target group at 30 months,
so a municipality whose definition starts at 24 months is compared with CBS over the same ages
(issue 12, point 1)."""
from __future__ import annotations

from pathlib import Path

from .factories import days_ago


def _indicated(jgz, municipality: str, months: int) -> None:
    jgz.fire(jgz.register(municipality=municipality, months=months), "indicate", criteria=["home_language"],
             indication_date=days_ago(3))


def _cells(client, suppressed: bool = False) -> dict:
    body = client.get(f"/monitor?region=bevelanden&peildatum={days_ago(0)}{'&suppressed=1' if suppressed else ''}").json
    return {m["code"]: m["cells"] for m in body["municipalities"]} | {"total": body["total"]["cells"]}


def test_the_target_group_is_split_at_30_months_beside_cbs(api):
    jgz = api("jgz_bev")
    for months in [36] * 11 + [26] * 3:
        _indicated(jgz, "GM0664", months)     # Goes: its definition starts at 24 months
    _indicated(jgz, "GM0678", 36)             # Kapelle: from 30 months, so no one younger
    cells = _cells(_admin_bev(api))
    goes, kapelle, total = cells["GM0664"], cells["GM0678"], cells["total"]
    assert (goes["target_group"]["value"], goes["target_group_from_30_months"]["value"],
            goes["target_group_under_30_months"]["value"]) == (14, 11, 3)
    assert (kapelle["target_group_from_30_months"]["value"], kapelle["target_group_under_30_months"]["value"]) == (1, 0)
    assert (total["target_group_from_30_months"]["value"], total["target_group_under_30_months"]["value"]) == (12, 3)


def test_the_younger_part_is_suppressed_with_its_complement(app, api):
    jgz = api("jgz_bev")
    for months in [36] * 11 + [26] * 3:
        _indicated(jgz, "GM0664", months)
    goes = _cells(_admin_bev(api), suppressed=True)["GM0664"]
    assert goes["target_group_under_30_months"]["display"] == "<10"
    # 14 and 11 both shown would give the 3 away: the line target_group = from + under keeps one hidden.
    assert goes["target_group"]["value"] is None or goes["target_group_from_30_months"]["value"] is None


def test_the_band_is_in_the_downloads_and_the_data_dictionary(api, runner):
    _indicated(api("jgz_bev"), "GM0664", 26)
    _admin_bev(api)
    shown = runner.invoke(args=["monitor", "show", "--region", "bevelanden", "--peildatum", days_ago(0),
                                "--by", "admin_bev@test.example"])
    assert shown.exit_code == 0, shown.output
    header, *rows = shown.output.splitlines()
    columns = header.split(",")
    band = columns.index("target_group_from_30_months")
    assert columns[band:band + 2] == ["target_group_from_30_months", "target_group_under_30_months"]
    goes = next(r.split(",") for r in rows if ",GM0664," in r)
    assert goes[columns.index("target_group_under_30_months")] == "1"
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "| `target_group_from_30_months` |" in readme and "| `target_group_under_30_months` |" in readme


def _admin_bev(api):
    """An admin of De Bevelanden (the world's admin belongs to IJmond)."""
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Organisation
    from toeleiding.users.operations import create_user
    from .factories import PASSWORD, ApiClient
    client = api("jgz_bev").client
    app = client.application
    with app.app_context():
        org = db.session.query(Organisation).filter_by(name="JGZ Testregio Bevelanden").one()
        create_user("admin_bev@test.example", "Test admin bev", PASSWORD, "admin", org)
        db.session.commit()
    return ApiClient.sign_in(client, "admin_bev@test.example")
