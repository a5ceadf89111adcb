"""ActivityPub for Bocage: territories and their forms as actors, pages and fiches as objects,
signed deliveries through a queue, an inbox that trusts nothing. See docs/federation.md.

The wiki core never imports this package: it is an extension (wiki/extensions.py) declared as
the entry point `federation = "federation:init_app"` of the group `bocage.extensions`.
"""
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext

from . import config, keys


@dataclass
class Federation:
    settings: config.Settings
    keys: keys.KeyPair
    blocked: dict = field(default_factory=dict)      # blocklist's cache


def init_app(app) -> None:
    from . import admin, commons, negotiation, publish, queue, routes
    from wiki.app import csrf
    instance = app.extensions["bocage.instance"]
    app.extensions["bocage.federation"] = Federation(settings=config.load(instance),
                                                     keys=keys.load_or_create(instance.data))
    csrf.exempt(routes.bp)
    app.register_blueprint(routes.bp)
    app.register_blueprint(admin.bp)             # the admin's page: CSRF like every form
    app.extensions.setdefault("bocage.admin_tools", []).append(
        ("federation_admin.home", lazy_gettext("Neighbouring territories: follow, followers, blocked domains")))
    app.before_request(negotiation.page_as_activity)
    app.after_request(negotiation.add_vary)
    app.context_processor(commons.links)
    app.add_template_global(lambda: url_for("federation_admin.remove_post"), "federation_remove_url")
    queue.register(app)                          # held commons in the unified moderation queue
    publish.subscribe(app)


def register_commands(group) -> None:
    from .cli import register
    register(group)


def start_background(app):
    from .worker import start_process
    return start_process(app)
