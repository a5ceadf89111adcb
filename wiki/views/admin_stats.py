"""The statistics dashboard (/admin/statistiques) and its CSV exports, for moderators and admins.

Every figure is a list of (label, number) rows (wiki/stats/figures.py): shown as an SVG chart
drawn on the server, as a table of the same numbers (readable without the chart), and as CSV.
"""
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..rights import moderator_required
from ..stats import charts, counter_of, figures
from ..stats.export import to_csv
from ..stats.hook import today
from ..stats.periods import PERIODS, period as make_period

bp = Blueprint("admin_stats", __name__, url_prefix="/admin/statistiques")
PERIOD_LABELS = {"30d": _l("30 days"), "12m": _l("12 months")}

# slug: (title, first column, kind of chart). Slugs are the CSV file names.
FIGURES = {
    "vues": (_l("Page views"), _l("Period"), "time"),
    "pages": (_l("Most viewed pages"), _l("Page"), "ranking"),
    "modifications": (_l("Edits"), _l("Period"), "time"),
    "contributeurs": (_l("Contributors"), _l("Period"), "time"),
    "themes": (_l("New fiches by theme"), _l("Theme"), "ranking"),
    "communes": (_l("New fiches by commune"), _l("Commune"), "ranking"),
    "abonnes": (_l("Followers on the fediverse"), _l("Period"), "total"),
    "communs": (_l("Commons received from other wikis"), _l("Period"), "time"),
}


def _rows(slug, period):
    instance = current_app.extensions["bocage.instance"]
    if slug == "vues":
        return figures.views(period)
    if slug == "pages":
        return figures.top_pages(period)
    if slug == "modifications":
        return figures.edits(period)
    if slug == "contributeurs":
        return figures.contributors(period)
    if slug == "themes":
        return figures.new_entries(period, instance.statistics_theme_field)
    if slug == "communes":
        return figures.new_entries(period, instance.statistics_commune_field)
    if slug == "abonnes":
        return figures.followers(period)
    return figures.commons(period)


def _value_column(slug, kind) -> str:
    """The numbers' column, the same in the page's table and in the CSV."""
    return _("Total") if kind == "total" else (_("Views") if slug in ("vues", "pages") else _("Number"))


def _period():
    return make_period(request.args.get("period"), today())


def _flush():
    """This process's waiting views first, so the numbers include the last minutes (other
    workers add theirs within 30 seconds or 500 views)."""
    counter = counter_of(current_app)
    if counter is not None:
        counter.flush()


@bp.get("")
@moderator_required
def dashboard():
    period = _period()
    _flush()
    shown = []
    for slug, (title, column, kind) in FIGURES.items():
        rows = _rows(slug, period)
        if rows is None:            # no federation tables
            continue
        title = str(title)
        chart = (charts.hbars(rows, title, f"chart-{slug}") if kind == "ranking"
                 else charts.bars(rows, title, f"chart-{slug}", cumulative=kind == "total"))
        shown.append({"slug": slug, "title": title, "column": str(column), "rows": rows, "chart": chart,
                      "kind": kind, "value": _value_column(slug, kind)})
    instance = current_app.extensions["bocage.instance"]
    return render_template("admin/stats.html", figures=shown, period=period,
                           periods=[(k, PERIOD_LABELS[k]) for k in PERIODS],
                           counting=counter_of(current_app) is not None,
                           new_fiches=figures.new_entries_total(period),
                           theme_field=instance.statistics_theme_field,
                           commune_field=instance.statistics_commune_field)


@bp.get("/<slug>.csv")
@moderator_required
def export(slug):
    if slug not in FIGURES:
        abort(404)
    period = _period()
    _flush()
    rows = _rows(slug, period)
    if rows is None:
        abort(404)
    title, column, kind = FIGURES[slug]
    body = to_csv([str(column), _value_column(slug, kind)], rows)
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="statistiques-{slug}-{period.key}.csv"'})
