"""Files attached to pages: checked (type, size, real content), stored under random names."""
import mimetypes
import secrets
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import events
from ..db import utcnow
from ..models import Attachment
from ..names import slug
from ..render.sanitize import sanitize_text_line
from .pages import ContentError, NotFound, check_writable, get_page, guard_write

INLINE_IMAGES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "gif": "image/gif", "webp": "image/webp"}


def safe_filename(filename: str) -> tuple[str, str]:
    """("affiche-wiki-party", "pdf") from "Affiche Wiki Party.PDF"."""
    stem, dot, ext = (filename or "").rpartition(".")
    if not dot:
        stem, ext = ext, ""
    return slug(stem, max_length=120) or "fichier", ext.lower()[:10]


def _unique_name(page, stem: str, ext: str) -> str:
    taken = {a.filename for a in Attachment.select(Attachment.filename).where(Attachment.page == page)}
    candidate, n = f"{stem}.{ext}", 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}.{ext}", n + 1
    return candidate


def check_upload(filename: str, data: bytes, *, image: bool = False) -> tuple[str, str, str]:
    """(stem, extension, content type) of an acceptable upload, else ContentError with the reason.
    `image`: only the inline image types (a fiche's photo)."""
    instance = current_app.extensions["bocage.instance"]
    stem, ext = safe_filename(filename)
    if image and ext not in INLINE_IMAGES:
        raise ContentError(_l("This is not an image: send a PNG, JPEG, GIF or WebP file."), status=415)
    if not ext or ext not in instance.upload_extensions:
        raise ContentError(_l("Files of type “%(ext)s” cannot be attached. Allowed: %(allowed)s.",
                              ext=ext or "?", allowed=", ".join(instance.upload_extensions)), status=415)
    if not data:
        raise ContentError(_l("The file is empty."))
    if len(data) > instance.max_upload_mb * 1024 * 1024:
        raise ContentError(_l("This file is too large: the limit is %(mb)s MB.",
                              mb=f"{instance.max_upload_mb:g}"), status=413)
    content_type = mimetypes.types_map.get(f".{ext}", "application/octet-stream")
    if ext in INLINE_IMAGES:
        kind = filetype.guess(data)
        if kind is None or kind.mime != INLINE_IMAGES[ext]:
            raise ContentError(_l("This file is not a valid %(ext)s image.", ext=ext.upper()), status=415)
        content_type = kind.mime
    return stem, ext, content_type


def next_filename(page_name: str, filename: str) -> str:
    """The name an upload of `filename` will get on page `page_name` (which may not exist yet)."""
    from ..models import Page
    stem, ext = safe_filename(filename)
    page = Page.get_or_none(Page.name == page_name)
    return _unique_name(page, stem, ext) if page else f"{stem}.{ext}"


def add_attachment(page_name: str, filename: str, data: bytes, *, author: str = "") -> Attachment:
    instance = current_app.extensions["bocage.instance"]
    page = get_page(page_name)
    guard_write(page.name, page.kind)
    check_writable(page)
    stem, ext, content_type = check_upload(filename, data)
    stored = secrets.token_hex(16) + f".{ext}"
    (instance.uploads / stored).write_bytes(data)
    attachment = Attachment.create(page=page, filename=_unique_name(page, stem, ext), stored=stored,
                                   content_type=content_type, size=len(data), created=utcnow(),
                                   author=sanitize_text_line(author)[:100] or str(_l("Anonymous")))
    events.attachment_added.send(current_app._get_current_object(), attachment=attachment)
    return attachment


def get_attachment(page_name: str, filename: str) -> tuple[Attachment, Path]:
    page = get_page(page_name)
    attachment = Attachment.get_or_none((Attachment.page == page) & (Attachment.filename == filename)
                                        & Attachment.deleted.is_null())
    if attachment is None:
        raise NotFound(_l("There is no file “%(name)s” on this page.", name=filename[:200]))
    return attachment, current_app.extensions["bocage.instance"].uploads / attachment.stored


def delete_attachment(page_name: str, filename: str) -> Attachment:
    """Hide the file; it stays on disk so an administrator can bring it back."""
    attachment, _ = get_attachment(page_name, filename)
    page = get_page(page_name)
    guard_write(page.name, page.kind)
    Attachment.update(deleted=utcnow()).where(Attachment.id == attachment.id).execute()
    events.attachment_deleted.send(current_app._get_current_object(), attachment=attachment)
    return attachment


def is_inline(attachment: Attachment) -> bool:
    return attachment.content_type in INLINE_IMAGES.values()
