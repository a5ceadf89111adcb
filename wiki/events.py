"""Content events: the seam between the wiki core and the layers that react to content.

The search index, the page-view cache and later federation subscribe to these signals; the core
never imports them. Anything that changes what pages show must send one: the view cache
(`wiki.views.cache`) drops every cached view on each of them.
Every signal is sent after the database transaction has committed, with keyword arguments:

- page_saved(app, page=Page, revision=Revision, created=bool)
- page_deleted(app, page=Page)             -- moved to the trash
- page_restored(app, page=Page)            -- taken out of the trash
- attachment_added(app, attachment=Attachment)
- attachment_deleted(app, attachment=Attachment)
"""
from blinker import Namespace

_signals = Namespace()

page_saved = _signals.signal("page-saved")
page_deleted = _signals.signal("page-deleted")
page_restored = _signals.signal("page-restored")
attachment_added = _signals.signal("attachment-added")
attachment_deleted = _signals.signal("attachment-deleted")
