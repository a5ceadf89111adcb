"""Wiki parties: the admins' and moderators' pages to open, change and close one (/admin/fetes),
and the participants' pages to join (/fete, /fete/<code>), the projector's screen with the QR
code, and the live board (HTML, refreshed every 30 s, and JSON for static/party.js).

Who may open a party is decided by wiki/rights.py (moderator_required); joining puts
(party id, pseudonym) in the session, which rights.py reads to make the person a participant.
"""
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import rights
from ..accounts.models import AuditEntry
from ..db import utcnow
from ..parties import qr, service, tally
from ..parties.board import board
from ..parties.models import WikiParty

bp = Blueprint("parties", __name__)
FIELDS = ("name", "place", "starts", "ends")


@bp.record_once
def _setup(state):
    app = state.app
    app.extensions["bocage.party_running"] = service.running
    app.extensions.setdefault("bocage.admin_tools", []).append(("parties.admin_list", _l("Wiki parties")))
    tally.init_app(app)


# -- admins and moderators -------------------------------------------------------------------
@bp.get("/admin/fetes")
@rights.moderator_required
def admin_list():
    tally.close_ended_parties()
    parties = list(WikiParty.select().order_by(WikiParty.starts.desc()).limit(200))
    return render_template("parties/admin_list.html", parties=parties, now=utcnow(), service=service)


@bp.get("/admin/fetes/nouvelle")
@rights.moderator_required
def admin_new():
    return _edit_form(None, {})


@bp.post("/admin/fetes/nouvelle")
@rights.moderator_required
def admin_create():
    values, errors = service.check_values(request.form)
    if not errors and values["ends"] <= utcnow():
        errors["ends"] = _("This end is already past: a party is opened for now or later.")
    if errors:
        return _edit_form(None, request.form, errors, status=400)
    try:
        party = service.open_party(values, rights.current_person().account_id)
    except service.PartyError as exc:
        return _edit_form(None, request.form, {"name": exc.message}, status=409)
    _audit("party.open", party)
    flash(_("The wiki party is open: its code is %(code)s.", code=party.code), "notice")
    return redirect(url_for("parties.admin_edit", party_id=party.id))


@bp.get("/admin/fetes/<int:party_id>")
@rights.moderator_required
def admin_edit(party_id):
    party = _party_or_404(party_id)
    return _edit_form(party, {"name": party.name, "place": party.place,
                              "starts": service.local_input(party.starts),
                              "ends": service.local_input(party.ends)})


@bp.post("/admin/fetes/<int:party_id>")
@rights.moderator_required
def admin_update(party_id):
    party = _party_or_404(party_id)
    if party.closed_at is not None:
        flash(_("This party is closed: it cannot be changed any more."), "notice")
        return redirect(url_for("parties.admin_edit", party_id=party.id))
    values, errors = service.check_values(request.form)
    if errors:
        return _edit_form(party, request.form, errors, status=400)
    service.change_party(party, values)
    _audit("party.change", WikiParty.get_by_id(party.id))
    flash(_("The wiki party is saved."), "notice")
    return redirect(url_for("parties.admin_edit", party_id=party.id))


@bp.post("/admin/fetes/<int:party_id>/fermer")
@rights.moderator_required
def admin_close(party_id):
    party = _party_or_404(party_id)
    if party.closed_at is None:
        now = utcnow()
        if party.ends > now:
            service.change_party(party, {"ends": max(now, party.starts)})
        name = tally.close_party(party)
        _audit("party.close", party)
        if name:
            flash(_("The wiki party is closed; its tally is the page %(name)s.", name=name), "notice")
    return redirect(url_for("parties.admin_list"))


def _edit_form(party, form, errors=None, status=200):
    kept = {field: service.clean_line(form.get(field, "")) for field in FIELDS}
    return render_template("parties/admin_edit.html", party=party, form=kept, errors=errors or {},
                           service=service, now=utcnow()), status


def _audit(action: str, party: WikiParty) -> None:
    """The audit log of administrative actions (what wiki/audit.py's record() writes)."""
    person = rights.current_person()
    detail = f"{party.name} · {party.place} · {party.starts:%Y-%m-%d %H:%M} – {party.ends:%Y-%m-%d %H:%M} UTC"
    AuditEntry.create(created=utcnow(), actor=person.name[:100] or "system", account=person.account_id,
                      action=action, target=f"{party.code} (#{party.id})", detail=detail[:10_000])


def _party_or_404(party_id) -> WikiParty:
    party = WikiParty.get_or_none(WikiParty.id == party_id) if 0 < party_id < 2 ** 31 else None
    if party is None:
        abort(404)
    return party


# -- participants ----------------------------------------------------------------------------
@bp.get("/fete")
def enter():
    typed = request.args.get("code")
    if typed is None:
        return render_template("parties/enter.html", code="", error=None)
    party = service.find(typed)
    if party is None:
        return _unknown(typed)
    return redirect(url_for("parties.join", code=party.code))


def _unknown(typed):
    error = _("No wiki party has this code. Check it on the screen (letters and digits, no 0 or 1).")
    return render_template("parties/enter.html", code=service.clean_line(typed)[:20], error=error), 404


def _find_or_unknown(code):
    """The party of `code`, or a response: a redirect to its canonical address, or "unknown"."""
    party = service.find(code)
    if party is None:
        return None, _unknown(code)
    if code != party.code and request.method == "GET":
        endpoint = request.endpoint or "parties.join"
        return None, redirect(url_for(endpoint, code=party.code))
    tally.close_ended_parties()
    return WikiParty.get_by_id(party.id), None


@bp.get("/fete/<code>")
def join(code):
    party, response = _find_or_unknown(code)
    if response is not None:
        return response
    return _join_page(party, pseudonym=session.get("author", ""))


def _join_page(party, *, pseudonym="", error=None, status=200):
    person = rights.current_person()
    return render_template("parties/join.html", party=party, state=service.state(party), person=person,
                           pseudonym=pseudonym, error=error, service=service,
                           joined=person.party_id == party.id), status


@bp.post("/fete/<code>")
def join_post(code):
    party, response = _find_or_unknown(code)
    if response is not None:
        return response
    typed = request.form.get("pseudonym", "")
    if service.state(party) != "running":
        return _join_page(party, pseudonym=service.clean_line(typed), status=409,
                          error=_("You can join this party only while it runs."))
    if rights.current_person().signed_in:
        return _join_page(party, status=409, error=_("You are signed in: your edits are made with your account."))
    try:
        pseudonym = service.check_pseudonym(typed)
    except service.PartyError as exc:
        return _join_page(party, pseudonym=service.clean_line(typed)[:200], error=exc.message, status=400)
    session[rights.SESSION_PARTY] = (party.id, pseudonym)
    session["author"] = pseudonym              # the edit forms' "signed" field, filled in
    rights.forget_person()
    flash(_("Welcome, %(name)s! You may now edit the wiki until the party ends.", name=pseudonym), "notice")
    return redirect(url_for("parties.join", code=party.code))


@bp.post("/fete/quitter")
def leave():
    session.pop(rights.SESSION_PARTY, None)
    rights.forget_person()
    flash(_("You left the wiki party."), "notice")
    return redirect(url_for("parties.enter"))


@bp.get("/fete/<code>/ecran")
def screen(code):
    party, response = _find_or_unknown(code)
    if response is not None:
        return response
    return render_template("parties/screen.html", party=party, state=service.state(party),
                           data=board(party), join_url=_join_url(party), service=service)


@bp.get("/fete/<code>/qr.svg")
def qr_svg(code):
    party = service.find(code)
    if party is None:
        abort(404)
    response = Response(qr.svg(_join_url(party)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/fete/<code>/tableau")
def live_board(code):
    party, response = _find_or_unknown(code)
    if response is not None:
        return response
    return render_template("parties/board.html", party=party, state=service.state(party),
                           data=board(party), service=service)


@bp.get("/fete/<code>/tableau.json")
def live_board_json(code):
    party = service.find(code)
    if party is None:
        return jsonify(error=_("No wiki party has this code.")), 404
    tally.close_ended_parties()
    party = WikiParty.get_by_id(party.id)
    data = board(party)
    for key in ("pages_created", "pages_edited", "places"):
        for item in data[key]:
            item["url"] = url_for("pages.show", name=item["name"])
    for group in data["fiches"]:
        for item in group["items"]:
            item["url"] = url_for("pages.show", name=item["name"])
    return jsonify(party={"name": party.name, "place": party.place, "code": party.code,
                          "state": service.state(party), "starts": party.starts.isoformat() + "Z",
                          "ends": party.ends.isoformat() + "Z",
                          "tally": url_for("pages.show", name=party.tally_page) if party.tally_page else None},
                   **data)


def _join_url(party) -> str:
    return url_for("parties.join", code=party.code, _external=True)
