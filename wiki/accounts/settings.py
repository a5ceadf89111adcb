"""Settings admins change on the site, stored in the site_setting table; instance.toml gives the
default of each. First of them: the sign-up mode."""
from flask import current_app
from peewee import IntegrityError

from ..db import utcnow
from ..instance import SIGNUP_MODES
from .models import SiteSetting


def get(key: str, default: str = "") -> str:
    row = SiteSetting.get_or_none(SiteSetting.key == key)
    return row.value if row is not None else default


def put(key: str, value: str) -> None:
    updated = SiteSetting.update(value=value, updated=utcnow()).where(SiteSetting.key == key).execute()
    if not updated:
        try:
            with SiteSetting._meta.database.atomic():
                SiteSetting.insert(key=key, value=value, updated=utcnow()).execute()
        except IntegrityError:          # written by another request meanwhile: ours comes last
            SiteSetting.update(value=value, updated=utcnow()).where(SiteSetting.key == key).execute()


def signup_mode() -> str:
    """"open" (anyone, after confirming their address), "invitation" (people an admin invites)
    or "closed" (no sign-up on the site: accounts are made with `bocage account create`)."""
    mode = get("signup", current_app.extensions["bocage.instance"].signup)
    return mode if mode in SIGNUP_MODES else "closed"


def set_signup_mode(mode: str) -> None:
    if mode not in SIGNUP_MODES:
        raise ValueError(mode)
    put("signup", mode)
