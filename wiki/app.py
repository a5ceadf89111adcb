"""The application factory: one Flask app per instance folder."""
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from . import antispam, errors, extensions, fiches, indexing, lazy_text, moderation, rights, security, stats
from .content import provenance
from .db import database, open_database, refresh_statistics
from .fiches import actions as fiches_actions  # noqa: F401  (registers {{carte}})
from .instance import Instance, load_instance
from .migrations import migrate
from .names import to_name
from .render import builtin_actions  # noqa: F401  (registers the built-in actions)
from .fiches import page_actions  # noqa: F401,E402  (registers {{agenda}} and {{liste}})
from .render.markdown import MarkdownRenderer
from .views import cache as view_cache
from .views import admin_rights, read_guard

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fr", "en"]
csrf = CSRFProtect()


def create_app(instance_dir=None, *, instance: Instance | None = None, config: dict | None = None) -> Flask:
    """Build the app for an instance folder. The database is process-wide (one instance per process)."""
    instance = instance or load_instance(instance_dir)
    theme = ROOT / "themes" / instance.theme
    app = Flask("wiki", template_folder=str(theme / "templates"), static_folder=str(theme / "static"),
                instance_path=str(instance.path))
    app.config.update(
        SECRET_KEY=instance.secret_key,
        MAX_CONTENT_LENGTH=int((instance.max_upload_mb + 1) * 1024 * 1024),
        WTF_CSRF_TIME_LIMIT=None,            # a token lives as long as the session: long wiki parties
        WTF_CSRF_SSL_STRICT=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=31 * 24 * 3600,
        BABEL_DEFAULT_LOCALE=instance.language,
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    app.extensions["bocage.instance"] = instance

    open_database(instance.database_url, instance.data / "bocage.db")
    with database.connection_context():
        migrate()
        refresh_statistics(only_if_missing=True)

    Babel(app, locale_selector=_select_locale)
    lazy_text.init_app(app)     # lazy messages are escaped like any text (they carry typed values)
    csrf.init_app(app)
    app.extensions["bocage.markdown"] = MarkdownRenderer(wiki_base="/wiki/")
    fiches.init_app(app)
    view_cache.init_app(app)    # first: a failing receiver after it must not leave views stale
    indexing.init_app(app)
    security.init_app(app)
    rights.init_app(app)
    read_guard.init_app(app)    # read rights on every route, before any view (and federation's hooks)
    antispam.init_app(app)      # the edit checks (wiki/antispam) and the moderation queue's sources
    moderation.init_app(app)
    errors.init_app(app)
    stats.init_app(app)         # page views counted, no tracking (wiki/stats)
    _register_blueprints(app)
    admin_rights.init_app(app)  # /admin/droits, /wiki/<name>/droits, /admin/formulaires/<id>/droits
    extensions.init_app(app)    # last: extensions see the whole app (wiki/extensions.py)

    # No connection at the start of a request: peewee opens one at the first query (cached page
    # views make none); teardown gives it back to the pool.
    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()

    app.add_template_filter(to_name, "wikiname")
    app.add_template_global(provenance.territories_of, "territories_of")

    @app.context_processor
    def _globals():
        return {"instance": instance, "languages": LANGUAGES, "current_lang": _select_locale()}

    return app


def _select_locale() -> str:
    cached = g.get("lang")
    if cached:
        return cached
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang not in LANGUAGES:
        lang = (request.accept_languages.best_match(LANGUAGES)
                or current_app.extensions["bocage.instance"].language)
    g.lang = lang
    return lang


def _register_blueprints(app: Flask) -> None:
    from .api import bp as api_bp
    from .views.accounts import bp as accounts_bp
    from .views.admin import bp as admin_bp
    from .views.admin_accounts import bp as admin_accounts_bp
    from .views.admin_forms import bp as admin_forms_bp
    from .views.agenda import bp as agenda_bp
    from .views.fiche_feeds import bp as fiche_feeds_bp
    from .views.attachments import bp as attachments_bp
    from .views.fiches import bp as fiches_bp
    from .views.fiches_import import bp as fiches_import_bp
    from .views.maps import bp as maps_bp
    from .views.pages import bp as pages_bp
    from .views.parties import bp as parties_bp
    from .views.provenance import bp as provenance_bp
    from .views.special import bp as special_bp
    from .views.vendor import bp as vendor_bp
    from .views.admin_audit import bp as admin_audit_bp
    from .views.admin_revert import bp as admin_revert_bp
    from .views.contributions import bp as contributions_bp
    from .views.watch import bp as watch_bp
    from .moderation import watch as watching

    csrf.exempt(api_bp)          # the API authenticates with bearer tokens, never cookies
    for bp in (pages_bp, provenance_bp, attachments_bp, fiches_bp, agenda_bp, fiche_feeds_bp, maps_bp, vendor_bp, fiches_import_bp, special_bp, accounts_bp, admin_bp, admin_forms_bp, admin_accounts_bp, api_bp):
        app.register_blueprint(bp)

    app.register_blueprint(parties_bp)      # wiki parties: /admin/fetes, /fete (wiki/views/parties.py)
    for bp in (admin_revert_bp, admin_audit_bp, contributions_bp, watch_bp):
        app.register_blueprint(bp)
    watching.init_app(app)       # the watch button's state; e-mails to watchers
    from .views.admin_stats import bp as admin_stats_bp
    app.register_blueprint(admin_stats_bp)
