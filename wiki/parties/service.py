"""Opening, changing and finding wiki parties, and whether one runs (what wiki/rights.py asks).

Times are naive UTC in the database; people type and read them in Europe/Paris local time.
"""
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from ..db import utcnow
from ..render.sanitize import sanitize_text_line
from .models import WikiParty

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"      # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 6
LOCAL = ZoneInfo("Europe/Paris")
MAX_DURATION = timedelta(days=3)
NAME_LENGTH = (3, 120)
PLACE_LENGTH = 200
PSEUDONYM_LENGTH = (2, 40)
RUNNING_TTL = 5.0                                  # seconds a process trusts what it read
_LOCAL_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


class PartyError(Exception):
    """A value that cannot be used; `field` names the form field, `message` is shown."""

    def __init__(self, message, field=""):
        super().__init__(str(message))
        self.message, self.field = message, field


# -- codes -----------------------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text) -> str:
    """What someone typed, as stored: upper case, without spaces or dashes ("abc-23x" works)."""
    text = re.sub(r"[\s\-_.]+", "", str(text or ""))[:20]
    return text.upper()


def find(code) -> WikiParty | None:
    code = normal_code(code)
    if not code or any(c not in ALPHABET for c in code):
        return None
    return WikiParty.get_or_none(WikiParty.code == code)


# -- times -----------------------------------------------------------------------------------
def to_local(utc: datetime) -> datetime:
    """A stored time as people read it (naive, Europe/Paris)."""
    return utc.replace(tzinfo=timezone.utc).astimezone(LOCAL).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=LOCAL).astimezone(timezone.utc).replace(tzinfo=None)


def local_input(utc: datetime | None) -> str:
    """The value of a datetime-local field for a stored time."""
    return to_local(utc).strftime("%Y-%m-%dT%H:%M") if utc else ""


def _parse_local(text: str, field: str) -> datetime:
    text = (text or "").strip()
    if not _LOCAL_INPUT.match(text):
        raise PartyError(_l("Give a date and a time, like 2026-03-14 14:00."), field)
    try:
        return to_utc(datetime.fromisoformat(text.replace(" ", "T")))
    except ValueError:
        raise PartyError(_l("This date does not exist."), field) from None


# -- checking what was typed -----------------------------------------------------------------
def clean_line(text) -> str:
    """A name, place or pseudonym as kept: one line, no control or bidi-override character."""
    return sanitize_text_line(str(text or "").replace("\x00", "")).strip()


def check_values(form) -> tuple[dict, dict]:
    """(values, errors by field) from the admin's form; values are cleaned, times in UTC."""
    values, errors = {}, {}
    name = clean_line(form.get("name"))
    if len(name) < NAME_LENGTH[0]:
        errors["name"] = _l("Give the party a name (at least %(min)d characters).", min=NAME_LENGTH[0])
    elif len(name) > NAME_LENGTH[1]:
        errors["name"] = _l("The name is too long: at most %(max)d characters.", max=NAME_LENGTH[1])
    place = clean_line(form.get("place"))
    if len(place) > PLACE_LENGTH:
        errors["place"] = _l("The place is too long: at most %(max)d characters.", max=PLACE_LENGTH)
    values.update(name=name, place=place)
    for field in ("starts", "ends"):
        try:
            values[field] = _parse_local(form.get(field), field)
        except PartyError as exc:
            errors[field] = exc.message
    if "starts" in values and "ends" in values and "ends" not in errors:
        if values["ends"] <= values["starts"]:
            errors["ends"] = _l("The end must come after the start.")
        elif values["ends"] - values["starts"] > MAX_DURATION:
            errors["ends"] = _l("A wiki party lasts at most three days.")
    return values, errors


def check_pseudonym(text) -> str:
    pseudonym = clean_line(text)
    low, high = PSEUDONYM_LENGTH
    if not low <= len(pseudonym) <= high:
        raise PartyError(_l("Choose a pseudonym of %(min)d to %(max)d characters.", min=low, max=high),
                         "pseudonym")
    return pseudonym


# -- writing ---------------------------------------------------------------------------------
def open_party(values: dict, account_id=None) -> WikiParty:
    for _attempt in range(5):
        try:
            party = WikiParty.create(code=new_code(), created_by=account_id, **values)
            break
        except IntegrityError:          # the code is taken (1 in a billion): draw another
            continue
    else:
        raise PartyError(_l("No free code was found: try again."))
    forget()
    return party


def change_party(party: WikiParty, values: dict) -> None:
    WikiParty.update(**values).where(WikiParty.id == party.id).execute()
    forget()


# -- running ---------------------------------------------------------------------------------
def is_running(party: WikiParty, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return party.closed_at is None and party.starts <= now < party.ends


def state(party: WikiParty, now: datetime | None = None) -> str:
    """"coming", "running" or "over"."""
    now = now or utcnow()
    if party.closed_at is not None or now >= party.ends:
        return "over"
    return "running" if now >= party.starts else "coming"


def _cache() -> dict:
    return current_app.extensions.setdefault("bocage.parties_running", {})


def running(party_id) -> bool:
    """Whether party `party_id` runs now: asked by wiki/rights.py on every request of a
    participant, so each process keeps what it read for a few seconds (the times themselves are
    compared at each call: a party ends on time)."""
    cache = _cache()
    found = cache.get(party_id)
    if found is None or found[0] < time.monotonic():
        try:
            party = WikiParty.get_or_none(WikiParty.id == int(party_id))
        except (TypeError, ValueError, OverflowError):
            party = None
        found = cache[party_id] = (time.monotonic() + RUNNING_TTL, party)
    return found[1] is not None and is_running(found[1])


def forget() -> None:
    """After a change of a party in this process (other processes see it within RUNNING_TTL)."""
    _cache().clear()
