"""/admin/annuler: "Tout annuler" for moderators — choose whose edits and the period, read what
will be reverted, confirm; then the result, and every batch with its "Undo" button."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import utcnow
from ..moderation import revert
from ..moderation.models import RevertBatch
from ..rights import moderator_required

bp = Blueprint("admin_revert", __name__, url_prefix="/admin/annuler")
PARIS = ZoneInfo("Europe/Paris")            # what people type in the custom period
WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7),
           "30d": timedelta(days=30)}


def _iso(text):
    try:
        return datetime.fromisoformat((text or "").strip()[:32]).replace(tzinfo=None)
    except ValueError:
        return None


def _local(text):
    """A datetime-local field (Europe/Paris) as naive UTC; None when empty or not a date."""
    moment = _iso(text)
    if moment is None:
        return None
    return moment.replace(tzinfo=PARIS).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def window_of(args) -> tuple:
    """(start, end) in UTC from the form: a preset ("24h"), a custom period, or the exact
    `start`/`end` the confirmation page passes on. Raises RevertError."""
    if args.get("start") or args.get("end"):
        start, end = _iso(args.get("start")), _iso(args.get("end"))
        if start is None or end is None:
            raise revert.RevertError(_("The period is not valid: choose it again."))
        return start, end
    window = args.get("window", "")
    if window in WINDOWS:
        now = utcnow().replace(microsecond=0) + timedelta(seconds=1)
        return now - WINDOWS[window], now
    if window == "custom":
        start, end = _local(args.get("from")), _local(args.get("to")) or utcnow()
        if start is None:
            raise revert.RevertError(_("Give the start of the period (day and time)."))
        return start, end
    raise revert.RevertError(_("Choose a period."))


@bp.get("")
@moderator_required
def start():
    kind, value = request.args.get("kind", ""), request.args.get("value", "")[:100]
    if not kind and not value:
        return _home()
    try:
        if kind == "batch":
            target = revert.make_target(kind, value)
        elif not (request.args.get("window") or request.args.get("start")):
            return _home(kind=kind, value=value)
        else:
            target = revert.make_target(kind, value, *window_of(request.args))
        steps = revert.plan(target)
    except revert.RevertError as exc:
        return _home(error=exc.message, kind=kind, value=value, status=400)
    return render_template("admin/revert_confirm.html", target=target, steps=steps,
                           edits=sum(s.edits for s in steps))


def _home(error=None, kind="", value="", status=200):
    return render_template("admin/revert.html", batches=revert.batches(), error=error, kind=kind,
                           value=value, undone={b.undoes for b in RevertBatch.select(RevertBatch.undoes)
                                                .where(RevertBatch.undoes.is_null(False))}), status


@bp.post("")
@moderator_required
def run():
    form = request.form
    try:
        kind = form.get("kind", "")
        window = (None, None) if kind == "batch" else window_of(form)
        target = revert.make_target(kind, form.get("value", ""), *window)
        if kind == "batch" and revert.undone_by(RevertBatch.get_by_id(int(target.value))):
            raise revert.RevertError(_("This revert was undone already."))
        batch = revert.run(target)
    except revert.RevertError as exc:
        return _home(error=exc.message, kind=form.get("kind", ""), value=form.get("value", "")[:100],
                     status=400)
    flash(_("Done: see below what was reverted and what was left for you to check."), "notice")
    return redirect(url_for("admin_revert.result", batch_id=batch.id))


@bp.get("/<int:batch_id>")
@moderator_required
def result(batch_id):
    batch = RevertBatch.get_or_none(RevertBatch.id == batch_id) if batch_id < 2 ** 31 else None
    if batch is None:
        abort(404)
    pairs = revert.items_of(batch)
    done = [(page, items) for page, items in pairs if any(i.revision for i in items)]
    skipped = [(page, items) for page, items in pairs if not any(i.revision for i in items)]
    return render_template("admin/revert_result.html", batch=batch, done=done, skipped=skipped,
                           undone=revert.undone_by(batch))
