"""Error pages: a readable message in the reader's language (HTML) or a JSON `error` (API), never a bare 500."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .content.pages import ContentError


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(message: str, status: int, **extra):
    if wants_json():
        return jsonify(error=str(message), **extra), status
    return render_template("error.html", message=message, status=status), status


def init_app(app):
    @app.errorhandler(ContentError)
    def _content_error(exc):
        return error_response(exc.message, exc.status)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        # A stale form must never cost the person their text: the edit view re-shows it.
        from .views.pages import edit_after_csrf_failure
        kept = edit_after_csrf_failure()
        if kept is not None:
            return kept
        return error_response(_("This form has expired (or cookies are blocked). Go back, reload "
                                "the page and try again."), 400)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        limit = app.extensions["bocage.instance"].max_upload_mb
        return error_response(_("This file is too large: the limit is %(mb)s MB.", mb=f"{limit:g}"), 413)

    @app.errorhandler(HTTPException)
    def _http(exc):
        messages = {
            400: _("The request is not valid."),
            403: _("You are not allowed to do this."),
            404: _("This address does not lead to anything here."),
            405: _("This action is not possible at this address."),
            429: _("Too many requests: wait a moment and try again."),
        }
        return error_response(messages.get(exc.code, exc.description or exc.name), exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(_("Something went wrong on our side. Your browser's Back button brings "
                                "back what you typed: try again, and if it happens again, tell the "
                                "wiki's hosts."), 500)
