"""Create: a followed actor shares an object; kept as a common (sanitized like our content).

Only from actors one of ours follows; the object's id is on the sender's host (checked by the
inbox). Accepted shapes: Article and Page (wikis, Mastodon-compatible servers), Event
(Mobilizon, Gancio, FEP-8a8e), Note.
"""
import json
from datetime import datetime, timezone

from peewee import IntegrityError

from wiki.db import database, utcnow
from wiki.render.sanitize import sanitize, sanitize_text_line

from ..config import settings
from ..models import Following, RemoteObject

TYPES = ("Article", "Page", "Event", "Note", "Place")


def _moment(value):
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _number(value, limit):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def _web_address(value) -> str:
    """The object's `url` (a string, a Link, a list of them) when it is an http(s) address."""
    from . import id_of
    value = value[0] if isinstance(value, list) and value else value
    url = id_of(value) if isinstance(value, (str, dict)) else ""
    if isinstance(value, dict) and value.get("href"):
        url = str(value["href"])
    return url[:500] if url.startswith(("https://", "http://")) else ""


def values_of(obj: dict, sender) -> dict:
    from . import id_of
    location = obj.get("location")
    location = next((p for p in location if isinstance(p, dict)), {}) if isinstance(location, list) else location
    location = location if isinstance(location, dict) else {}
    lat, lon = _number(location.get("latitude"), 90), _number(location.get("longitude"), 180)
    if lat is None or lon is None:
        lat = lon = None
    return dict(
        type=obj["type"], origin=sender.url, attributed_to=id_of(obj.get("attributedTo") if not
                                                                  isinstance(obj.get("attributedTo"), list)
                                                                  else obj["attributedTo"][0])[:500],
        name=sanitize_text_line(str(obj.get("name") or ""))[:300],
        summary=sanitize_text_line(str(obj.get("summary") or ""))[:2000],
        content=sanitize(str(obj.get("content") or ""))[:200_000],
        url=_web_address(obj.get("url")),
        licence=sanitize_text_line(str(obj.get("license") or obj.get("licence") or ""))[:200],
        published=_moment(obj.get("published")), updated=_moment(obj.get("updated")),
        starts=_moment(obj.get("startTime")), lat=lat, lon=lon,
        document=json.dumps(obj)[:500_000], received=utcnow(), deleted=False)


def followed(sender) -> bool:
    """One of ours follows `sender`, or asked to: what it sends before its Accept is processed
    (the two cross on the network) is wanted all the same."""
    return Following.select().where((Following.actor == sender.url)
                                    & Following.status.in_(("accepted", "pending"))).exists()


def keep(obj: dict, sender):
    """Store the common `obj` of `sender` and its page or fiche: inserted, or updated when
    `sender` is its origin (a version older than the one kept changes nothing); refused when a
    moderator removed it or its source is blocked; held (stored, no page) with `hold_commons`. Two gunicorn workers may receive the same
    new object at once (a Create and its Update): both try the insert, the loser updates."""
    from .. import moderation, received
    values = values_of(obj, sender)
    refused = moderation.refusal(obj["id"], values["origin"], values["attributed_to"])
    if refused:
        return refused
    for _attempt in range(3):
        row = RemoteObject.get_or_none(RemoteObject.object_id == obj["id"])
        if row is None:
            try:
                with database.atomic():
                    row = RemoteObject.create(object_id=obj["id"], held=settings().hold_commons, **values)
            except IntegrityError:       # stored meanwhile by another worker: update it
                continue
        else:
            if row.origin != sender.url:
                return f"{obj['id']} refused: it comes from {row.origin}"
            if row.updated and values["updated"] and values["updated"] < row.updated:
                return f"{obj['id']}: older than the version kept"
            RemoteObject.update(**values).where(RemoteObject.id == row.id).execute()
            row = RemoteObject.get_by_id(row.id)
        if row.held:                             # kept, not shown: a moderator approves it first
            return None
        received.keep(row, obj, sender)          # its page or fiche in the wiki (federation/received.py)
        return None
    return f"{obj['id']}: not stored (inserted and removed meanwhile)"


def received(activity: dict, sender):
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") not in TYPES or not isinstance(obj.get("id"), str):
        return "Create of no object we keep"
    if not followed(sender):
        return f"{sender.url} is not followed"
    return keep(obj, sender)
