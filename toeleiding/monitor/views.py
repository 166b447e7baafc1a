"""Monitor pages: the gemeente's own municipality beside the region, charts, downloads, publishing
and recoding 'other'. Thin: the numbers come from util, changes from operations."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..dates import format_day
from ..numbers import format_percent
from ..errors import AppError, ValidationError
from ..extensions import db
from ..web.auth import roles_required
from ..web.errors import refused
from ..web.i18n import reason_label, select_locale
from . import access, charts, exports, operations as ops, presentation, trend, util

bp = Blueprint("monitor", __name__, url_prefix="/monitor")


def _context():
    """Region, reference date and threshold of the request. A date the user may not read is refused
    (422, the error page names the peildatum): the page and the downloads follow the API's rule."""
    region = access.region_for(current_user, current_user.organisation.region.slug)
    raw = request.args.get("peildatum")
    day = access.readable_peildatum(current_user, region, raw) if raw else access.default_peildatum(current_user, region)
    want_suppressed = request.args.get("suppressed") == "1"
    return region, day, access.threshold_for(current_user, want_suppressed)


def _own_codes() -> list[str]:
    """A gemeente user's own municipalities (its organisation's), shown beside the region."""
    if current_user.role != "gemeente":
        return []
    return [m.code for m in current_user.organisation.municipalities]


@bp.get("/")
@roles_required(*access.MONITOR_ROLES)
def index():
    region, day, threshold = _context()
    data = util.compute_monitor(region, day)
    presented = presentation.present(data, threshold)
    rows = presented["rows"]
    names = dict(data.municipalities)
    chart_rows = [(names[code], rows[code]) for code, _name in data.municipalities] + [(_("Regio"), rows["total"])]
    publications = util.publications_of(region)
    published = next((p for p in publications if p.peildatum == day), None)
    diff = None
    if published is not None:
        pub_threshold = None if threshold is None else published.threshold
        diff = presentation.differences(data, util.published_data(published), threshold, pub_threshold)
    own = [c for c in _own_codes() if c in rows]
    declines = (presentation.declines_json(util.compute_declines(region, day), threshold)
                if current_user.role in access.DECLINE_ROLES else None)
    attempts = (presentation.attempts_json(util.compute_attempts(region, day), threshold)
                if current_user.role in access.DECLINE_ROLES else None)
    return render_template(
        "monitor/index.html", region=region, peildatum=day, threshold=threshold, data=data, rows=_for_page(rows),
        flows=presented["flows"], cells=presentation.cell_names(data.reasons), own=own, names=names,
        publications=publications, published=published, diff=diff, declines=declines,
        decline_labels=_decline_labels(),
        attempts=attempts,
        choices=None if current_user.role == "admin" else access.peildatum_choices(region, day),
        charts=[(charts.reach_title(data.targets.get("target_group_placed", 100)),
                 _data_uri(charts.reach_chart(chart_rows, data.targets.get("target_group_placed", 100),
                                              data.targets.get("all_toddlers")))),
                (_("Redenen van niet-bereik per gemeente"),
                 _data_uri(charts.reasons_chart(chart_rows, data.reasons, reason_texts(data.reason_labels)))),
                (_("Doelgroep volgens CBS en volgens JGZ"), _data_uri(charts.cbs_jgz_chart(chart_rows[:-1]))),
                (_("Budget per doelgroepkind"), _data_uri(charts.budget_chart(chart_rows)))],
        labels=cell_labels(data),
        not_entered=[name for code, name in data.municipalities if not presentation.figures_entered(data, code)],
        figure_cells=("cbs_target_group", "goab_budget", "jgz_target_group", "toddlers", "ve_places"))


def _for_page(rows: dict) -> dict:
    """The cells as the page shows them: a percentage with the reader's decimal sign (13,3% in
    Dutch); the API and the downloads keep their machine display (13.3%)."""
    out = {}
    for row, cells in rows.items():
        pct = cells.get("reach_pct")
        if pct is not None and pct["value"] is not None:
            cells = {**cells, "reach_pct": {**pct, "display": format_percent(pct["value"])}}
        out[row] = cells
    return out


def _decline_labels() -> dict[str, str]:
    """The decline reasons' labels in the reader's language (the workflow file's choice list)."""
    from ..workflow.labels import label
    wf = util.current_workflow()
    field_name, codes = util.decline_reason_field(wf)
    if field_name is None:
        return {}
    f = next(f for t in wf.transitions.values() for f in t.fields.values() if f.name == field_name)
    return {code: label(wf.choice_kind(f), code) for code in codes}


def _data_uri(svg: str) -> str:
    """An <img> source: the page's CSP allows data: images, and keeps the SVG's own styles out of the page."""
    import base64
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def cell_labels(data) -> dict[str, str]:
    labels = {"target_group": _("Doelgroep"), "placed": _("Geplaatst"), "waitlisted": _("Wachtlijst"),
              "not_reached": _("Niet bereikt"), "not_yet_placed": _("Nog niet geplaatst"), "reach_pct": _("Bereik"),
              "placed_elsewhere": _("Geplaatst in andere gemeente"), "cbs_target_group": _("Doelgroep CBS"),
              "goab_budget": _("GOAB-budget"), "budget_per_target_child": _("Budget per doelgroepkind"),
              "jgz_target_group": _("Doelgroep JGZ (ingevoerd)"), "toddlers": _("Peuters 2,5-4 jaar"),
              "ve_places": _("VE-plaatsen"), "toddler_reach_pct": _("VE-plaatsen per 100 peuters"),
              "reach_vs_target": _("Bereik t.o.v. doel (procentpunt)"),
              "toddler_reach_vs_target": _("Alle peuters t.o.v. doel (procentpunt)"),
              "referrals_declined": _("Toeleiding afgewezen door aanbieder"),
              "stopped_early": _("Voortijdig gestopt met VE"),
              # The law's dose (issue 11): parts of `placed`
              "below_960_hours": _("Naar verwachting onder 960 uur VE tot 4 jaar"),
              "started_after_30_months": _("Gestart na 30 maanden"),
              "below_16_hours_per_week": _("Minder dan 16 uur per week"),
              "location_places": _("VE-plaatsen op locaties"), "occupied_places": _("Bezette plaatsen"),
              "waitlist_length": _("Wachtlijst op locaties"),
              "waitlist_median_days": _("Mediaan dagen op wachtlijst")}
    texts = reason_texts(data.reason_labels)
    for r in data.reasons:
        labels[f"not_reached_{r}"] = f"– {texts.get(r, r)}"
    return labels


def reason_texts(labels: dict[str, str]) -> dict[str, str]:
    """The reasons' labels for the page: Dutch as given; in English the workflow's reasons and
    'closed' get their translation, a region's own category stays as the region wrote it."""
    if select_locale() == "nl":
        return dict(labels)
    wf_reasons = set(util.current_workflow().reasons)
    return {r: (reason_label(r) if r in wf_reasons else _("Afgesloten zonder plaatsing") if r == util.CLOSED_REASON
                else text) for r, text in labels.items()}


def _download(kind: str):
    region, day, threshold = _context()
    data = util.compute_monitor(region, day)
    presented = presentation.present(data, threshold)
    name = f"monitor-{region.slug}-{day.isoformat()}"
    if kind == "csv":
        return Response(exports.to_csv(data, presented), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    declines = (presentation.declines_json(util.compute_declines(region, day), threshold)
                if current_user.role in access.DECLINE_ROLES else None)
    return Response(exports.to_xlsx(data, presented, declines),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@bp.get("/monitor.csv")
@roles_required(*access.MONITOR_ROLES)
def download_csv():
    return _download("csv")


@bp.get("/monitor.xlsx")
@roles_required(*access.MONITOR_ROLES)
def download_xlsx():
    return _download("xlsx")


@bp.get("/declines.csv")
@roles_required(*access.DECLINE_ROLES)
def declines_csv():
    """The declined referrals per provider and reason (the table on the page), suppressed like it."""
    region, day, threshold = _context()
    declines = presentation.declines_json(util.compute_declines(region, day), threshold)
    return Response(exports.declines_csv(declines, region.name), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="declines-{region.slug}-{day.isoformat()}.csv"'})


def _trend_context():
    """Region, dates and threshold of a trend request (README, *Trend*): the dates asked for
    (``peildatum`` repeated or a comma list), each one the user may read, or the published ones."""
    region = access.region_for(current_user, current_user.organisation.region.slug)
    dates = trend.trend_dates(current_user, region, request.args.getlist("peildatum"))
    return region, dates, access.threshold_for(current_user, request.args.get("suppressed") == "1")


@bp.get("/trend")
@roles_required(*access.MONITOR_ROLES)
def trend_page():
    """Reach over the reference dates: a chart and a small table per municipality and the region."""
    region, dates, threshold = _trend_context()
    points = trend.compute_trend(region, dates, threshold)
    sections = []
    for code, name, items in trend.series(points):
        title = name if code != "total" else _("Regio %(name)s", name=region.name)
        rows = [(p, _for_page({code: cells})[code]) for p, cells in items]
        chart = charts.trend_chart(title, [(p.peildatum, cells["reach_pct"], p.target) for p, cells in items])
        sections.append((code, title, rows, _data_uri(chart)))
    choices = sorted(set(access.peildatum_choices(region, dates[-1])) | set(dates), reverse=True)
    published = {p.peildatum for p in util.publications_of(region)}
    return render_template("monitor/trend.html", region=region, dates=dates, threshold=threshold,
                           sections=sections, choices=choices, published=published,
                           max_dates=trend.MAX_TREND_DATES,
                           csv_url=url_for("monitor.trend_csv", peildatum=[d.isoformat() for d in dates],
                                           suppressed=request.args.get("suppressed")))


@bp.get("/trend.csv")
@roles_required(*access.MONITOR_ROLES)
def trend_csv():
    region, dates, threshold = _trend_context()
    points = trend.compute_trend(region, dates, threshold)
    return Response(trend.trend_csv(region, points), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="trend-{region.slug}.csv"'})


def _confirm_page(region, day, errors: dict, status: int = 200):
    from flask import current_app
    return render_template("monitor/publish.html", region=region, peildatum=day, errors=errors,
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"]), status


@bp.get("/publiceren")
@roles_required("admin")
def confirm_publish():
    """A publication is frozen, so publishing asks first, naming the region and the reference date."""
    region, day, _threshold = _context()
    if any(p.peildatum == day for p in util.publications_of(region)):
        flash(_("De monitor van %(region)s op %(date)s is al gepubliceerd.", region=region.name, date=format_day(day)),
              "error")
        return redirect(url_for("monitor.index", peildatum=day.isoformat()))
    return _confirm_page(region, day, {})


@bp.post("/publish")
@roles_required("admin")
def publish():
    if request.form.get("confirm") != "ja":
        # Not confirmed: nothing is stored. A refused date is said as before (back to the monitor);
        # a good one goes back to the confirmation, with the box to tick named.
        try:
            region = access.region_for(current_user, current_user.organisation.region.slug)
            day = access.readable_peildatum(current_user, region, request.form.get("peildatum"))
        except AppError as exc:
            refused(exc)
            flash(exc.message, "error")
            return redirect(url_for("monitor.index"))
        return _confirm_page(region, day, {"confirm": _("Vink aan dat u deze publicatie bevestigt.")}, 422)
    try:
        pub = ops.publish_monitor(current_user, current_user.organisation.region.slug, request.form.get("peildatum"))
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
        # Back to the date asked for, unless that date itself was refused (the page would refuse it too).
        back = None if isinstance(exc, ValidationError) else request.form.get("peildatum")
        return redirect(url_for("monitor.index", peildatum=back or None))
    flash(_("De monitor op %(d)s is gepubliceerd.", d=format_day(pub.peildatum)), "success")
    return redirect(url_for("monitor.index", peildatum=pub.peildatum.isoformat()))


@bp.get("/anders")
@roles_required("cjg", "admin")
def other():
    """The 'other' explanations to recode into a reason or a category of the region."""
    from ..cases.operations import log_access
    region = access.region_for(current_user, current_user.organisation.region.slug)
    events = list(db.session.scalars(ops.other_reports_query(current_user, region)))
    recodings = ops.recodings_for([e.id for e in events])
    reasons, labels = util.reason_keys(region)
    log_access(current_user, "read_other_reasons", [e.case_id for e in events] or [None])
    excluded = (*util.current_workflow().explained_reasons(), util.CLOSED_REASON)
    choices = [r for r in reasons if r not in excluded]
    return render_template("monitor/other.html", region=region, events=events, recodings=recodings,
                           choices=choices, labels=reason_texts(labels),
                           workflow_reasons=set(util.current_workflow().reasons))


@bp.post("/anders/<id:event_id>")
@roles_required("cjg", "admin")
def recode(event_id):
    choice = request.form.get("choice", "")
    try:
        if choice == "":
            ops.undo_recoding(current_user, event_id)
        elif choice.startswith("reason:"):
            ops.recode_other(current_user, event_id, reason=choice.removeprefix("reason:"))
        elif choice.startswith("category:"):
            ops.recode_other(current_user, event_id, category=choice.removeprefix("category:"))
        else:
            abort(400)
        flash(_("Hercodering opgeslagen."), "success")
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
    return redirect(url_for("monitor.other"))


@bp.post("/categorieen")
@roles_required("cjg", "admin")
def add_category():
    try:
        ops.create_category(current_user, current_user.organisation.region.slug, request.form.get("code"),
                            request.form.get("label"))
        flash(_("Categorie toegevoegd."), "success")
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
    return redirect(url_for("monitor.other"))
