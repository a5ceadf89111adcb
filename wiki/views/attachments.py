"""Uploading and serving the files attached to a page."""
from flask import Blueprint, flash, redirect, request, send_file, session, url_for
from flask_babel import gettext as _

from ..content import attachments as files
from ..content.pages import ContentError

bp = Blueprint("attachments", __name__)


@bp.post("/wiki/<name>/files")
def upload(name):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ContentError(_("Choose a file to attach."))
    attachment = files.add_attachment(name, upload.filename, upload.read(), author=session.get("author", ""))
    flash(_("File attached. To show it in the page, copy: %(snippet)s",
            snippet=f"![{attachment.filename}]({url_for('attachments.serve', name=name, filename=attachment.filename)})"
            if files.is_inline(attachment) else
            f"[{attachment.filename}]({url_for('attachments.serve', name=name, filename=attachment.filename)})"),
          "notice")
    return redirect(request.form.get("back") == "edit" and url_for("pages.edit", name=name)
                    or url_for("pages.show", name=name))


@bp.get("/wiki/<name>/files/<filename>")
def serve(name, filename):
    attachment, path = files.get_attachment(name, filename)
    response = send_file(path, mimetype=attachment.content_type, conditional=True, max_age=3600,
                         as_attachment=not files.is_inline(attachment), download_name=attachment.filename)
    # Even a file that lies about its type can run nothing here.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/wiki/<name>/files/<filename>/delete")
def delete(name, filename):
    files.delete_attachment(name, filename)
    flash(_("File removed."), "notice")
    return redirect(url_for("pages.show", name=name))
