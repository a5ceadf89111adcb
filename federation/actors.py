"""Our actors: the territory (a Group named by the instance's slug), one Group per form (follow
only the agenda), and the instance's Application actor that signs our fetches (FEP-2677).

Built with bovine's `Actor`; with the default visibility it drops `followers` and `following`,
and it knows no `endpoints`: hence `Visibility.OWNER` and `properties` (bovine pitfall 3).
"""
from flask import current_app
from flask_babel import force_locale, gettext as _

from . import urls
from .config import instance, settings

TERRITORY, FORM, APPLICATION = "territory", "form", "application"


def kind_of(name: str) -> str | None:
    """What our actor `name` is; None when there is no such actor."""
    if name == instance().slug:
        return TERRITORY
    if name in current_app.extensions["bocage.catalogue"].forms:
        return FORM
    return None


def local_names() -> list[str]:
    return [instance().slug, *current_app.extensions["bocage.catalogue"].forms]


def keys():
    return current_app.extensions["bocage.federation"].keys


def secret_for(actor_id: str):
    return keys().secret(urls.key_id(actor_id))


def _icon() -> dict:
    return {"type": "Image", "mediaType": "image/png", "url": f"{urls.base()}/static/icon.png"}


def document(name: str) -> dict | None:
    """The ActivityStreams document of actor `name` (territory or form)."""
    kind = kind_of(name)
    if kind is None:
        return None
    inst = instance()
    actor_id = urls.actor(name)
    with force_locale(inst.language):
        if kind == TERRITORY:
            title = inst.name
            summary = _("The shared wiki of %(name)s: pages, initiatives, events and places.",
                        name=inst.name)
            url = f"{urls.base()}/"
        else:
            form = current_app.extensions["bocage.catalogue"].form(name)
            title = f"{form.name_in(inst.language)} · {inst.name}"
            summary = form.description_in(inst.language) or title
            url = f"{urls.base()}/fiches/{name}"
    from bovine.activitystreams import Actor
    from bovine.types import Visibility
    built = Actor(
        id=actor_id, type="Group", name=title, preferred_username=name, summary=summary, url=url,
        inbox=f"{actor_id}/inbox", outbox=f"{actor_id}/outbox",
        followers=f"{actor_id}/followers", following=f"{actor_id}/following",
        icon=_icon(), public_key=keys().public_pem, public_key_name="main-key",
        properties={"endpoints": {"sharedInbox": urls.shared_inbox()}, "discoverable": True,
                    "manuallyApprovesFollowers": settings().accept_follows == "manual"},
    ).build(visibility=Visibility.OWNER)
    return built


def instance_document() -> dict:
    """The Application actor of the instance: it signs our GETs, nobody follows it."""
    inst = instance()
    actor_id = urls.instance_actor()
    from bovine.activitystreams import Actor
    from bovine.types import Visibility
    return Actor(
        id=actor_id, type="Application", name=inst.name, preferred_username=inst.domain,
        summary=inst.name, url=f"{urls.base()}/", inbox=f"{actor_id}/inbox",
        outbox=f"{actor_id}/outbox", icon=_icon(), public_key=keys().public_pem,
        public_key_name="main-key",
        properties={"endpoints": {"sharedInbox": urls.shared_inbox()},
                    "manuallyApprovesFollowers": True, "discoverable": False},
    ).build(visibility=Visibility.OWNER)
