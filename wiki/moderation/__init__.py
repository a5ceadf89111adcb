"""The moderation queue: one list at /admin/moderation for everything that waits for a moderator.

Three kinds of items wait there, each from a *source* (wiki/moderation/queue.py):

- pending fiches: sent to a form with `moderation = true` (wiki/fiches/entries.py);
- held changes: edits the anti-spam checks kept aside (first edits of new accounts, anonymous
  edits when `[antispam] hold_anonymous = true`), table HeldEdit (wiki/moderation/held.py);
- whatever an extension registers, such as the commons received from neighbours (federation).

Registering a source (an extension, in its init_app):

    app.extensions.setdefault("bocage.moderation_sources", []).append(MySource())

where MySource has

    kind: str                      short code, letters and digits (used in URLs), e.g. "common"
    label: str                     the heading of its part of the queue (translated)
    items() -> list                objects or dicts with id, title, and optionally url, author,
                                   created (datetime, UTC), summary, diff (rows of
                                   wiki/content/diff.py diff_lines), source (text to read)
    approve(id) -> bool            True when done, False when it was not waiting any more
    reject(id, reason) -> bool     the same; `reason` is one line, already cleaned, may be ""

Both may raise a ContentError: its message is shown to the moderator. The queue writes the audit
entry of every decision (moderation.approve / moderation.reject, target "<kind>:<id>"); sources
tell their authors themselves when they can (the built-in ones mail accounts with an e-mail).
Moderators and admins use the queue (rights.moderator_required).
"""


def init_app(app) -> None:
    app.extensions.setdefault("bocage.moderation_sources", [])
