"""Instance folders: one territory's wiki on disk.

    DIR/instance.toml      settings, safe to commit (no secrets)
    DIR/data/secrets.toml  generated at init, never committed
    DIR/data/bocage.db     SQLite database (unless [database] url says otherwise)
    DIR/data/uploads/      attachments
    DIR/data/search/       whoosh index
    DIR/data/search-pending/  pages whose last change is not in the index yet (see wiki/indexing.py)

instance.toml's [map] section (all optional) sets the map view's background tiles and where a map
with no fiche on it opens; a map with fiches opens on their bounding box. [geocoding] (off unless
`provider` is set) chooses the address search of the fiche form (see wiki/fiches/geocoding.py).
"""
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from .names import to_name

DEFAULT_EXTENSIONS = [
    "png", "jpg", "jpeg", "gif", "webp",
    "pdf", "odt", "ods", "odp", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
    "txt", "csv", "md", "gpx", "zip",
]
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"
DEFAULT_ATTRIBUTION_URL = "https://www.openstreetmap.org/copyright"
GEOCODING_PROVIDERS = ("ban", "nominatim")


class InstanceError(Exception):
    """The instance folder is missing or its settings are unusable."""


@dataclass
class Instance:
    path: Path
    name: str
    slug: str
    domain: str
    language: str = "fr"
    home: str = "accueil"
    licence: str = "CC BY-SA 4.0"
    theme: str = "default"
    database_url: str = ""
    max_upload_mb: float = 10
    upload_extensions: list[str] = field(default_factory=lambda: list(DEFAULT_EXTENSIONS))
    secret_key: str = ""
    map_tiles: str = DEFAULT_TILES
    map_attribution: str = DEFAULT_ATTRIBUTION
    map_attribution_url: str = DEFAULT_ATTRIBUTION_URL
    map_centre: tuple[float, float] = (46.6, 2.4)     # France: for maps with no fiche on them
    map_zoom: int = 6
    map_max_zoom: int = 19
    geocoding_provider: str = ""      # "", "ban" or "nominatim": off unless set
    geocoding_url: str = ""           # the provider's address, to use another server (tests: 127.0.0.1)
    geocoding_allow_private: bool = False   # let it be a private or loopback address (tests, demos)
    geocoding_timeout: float = 5.0    # seconds
    signup: str = "closed"            # [accounts] signup: open, invitation or closed (admins change it)
    mail: dict = field(default_factory=dict)   # [mail]: see wiki/mail.py (the password is in data/secrets.toml)
    statistics_enabled: bool = True   # [statistics]: page views counted per page and day (no tracking)
    statistics_theme_field: str = "themes"     # the fiche field whose values are themes
    statistics_commune_field: str = "commune"  # and the one whose values are communes

    @property
    def data(self) -> Path:
        return self.path / "data"

    @property
    def uploads(self) -> Path:
        return self.data / "uploads"

    @property
    def search_dir(self) -> Path:
        return self.data / "search"

    @property
    def search_pending_dir(self) -> Path:
        return self.data / "search-pending"


def init_instance(path, name: str, domain: str, *, language: str = "fr", force: bool = False) -> Instance:
    """Create an instance folder (or complete one that only has instance.toml, like the examples)."""
    path = Path(path)
    settings = path / "instance.toml"
    if settings.exists() and not force:
        instance = load_instance(path, create_secrets=True)
        _make_data_dirs(instance)
        return instance
    path.mkdir(parents=True, exist_ok=True)
    settings.write_text(tomli_w.dumps({
        "name": name,
        "slug": to_name(name),
        "domain": domain,
        "language": language,
        "home": "accueil",
        "licence": "CC BY-SA 4.0",
        "uploads": {"max_size_mb": 10, "extensions": DEFAULT_EXTENSIONS},
    }), encoding="utf-8")
    instance = load_instance(path, create_secrets=True)
    _make_data_dirs(instance)
    return instance


def load_instance(path, *, create_secrets: bool = False) -> Instance:
    path = Path(path).resolve()
    settings = path / "instance.toml"
    if not settings.is_file():
        raise InstanceError(f"{settings} not found: run `bocage init {path}` first")
    try:
        raw = tomllib.loads(settings.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{settings}: {exc}") from exc
    if not raw.get("name") or not raw.get("domain"):
        raise InstanceError(f"{settings}: 'name' and 'domain' are required")
    uploads = raw.get("uploads", {})
    instance = Instance(
        path=path,
        name=raw["name"],
        slug=raw.get("slug") or to_name(raw["name"]),
        domain=raw["domain"],
        language=raw.get("language", "fr"),
        home=raw.get("home", "accueil"),
        licence=raw.get("licence", "CC BY-SA 4.0"),
        theme=raw.get("theme", "default"),
        database_url=os.environ.get("BOCAGE_DATABASE_URL") or raw.get("database", {}).get("url", ""),
        max_upload_mb=float(uploads.get("max_size_mb", 10)),
        upload_extensions=[e.lower().lstrip(".") for e in uploads.get("extensions", DEFAULT_EXTENSIONS)],
        **_map_settings(raw.get("map", {}), settings),
        **_geocoding_settings(raw.get("geocoding", {}), settings),
        **_accounts_settings(raw.get("accounts", {}), raw.get("mail", {}), settings),
        **_statistics_settings(raw.get("statistics", {}), settings),
    )
    instance.secret_key = _secrets(instance, create=create_secrets)["secret_key"]
    return instance


def _number(value, lo, hi, whole=False) -> bool:
    kinds = int if whole else (int, float)
    return isinstance(value, kinds) and not isinstance(value, bool) and lo <= value <= hi


def _map_settings(raw: dict, settings: Path) -> dict:
    """[map] tiles, attribution, attribution_url, centre = [lat, lon], zoom, max_zoom."""
    def fail(message):
        raise InstanceError(f"{settings}: [map] {message}")

    if not isinstance(raw, dict):
        fail("must be a table")
    tiles = raw.get("tiles", DEFAULT_TILES)
    if (not isinstance(tiles, str) or not tiles.startswith(("https://", "http://", "/"))
            or not all(part in tiles for part in ("{z}", "{x}", "{y}"))):
        fail("tiles must be a URL with {z}, {x} and {y}, e.g. " + DEFAULT_TILES)
    link = raw.get("attribution_url", DEFAULT_ATTRIBUTION_URL)
    if not isinstance(link, str) or (link and not link.startswith(("https://", "http://"))):
        fail('attribution_url must be an https:// address (or "" for none)')
    centre = raw.get("centre", list(Instance.map_centre))
    if (not isinstance(centre, list) or len(centre) != 2
            or not (_number(centre[0], -90, 90) and _number(centre[1], -180, 180))):
        fail("centre must be [latitude, longitude], e.g. [47.65, -2.08]")
    zoom, max_zoom = raw.get("zoom", Instance.map_zoom), raw.get("max_zoom", Instance.map_max_zoom)
    if not (_number(zoom, 0, 22, whole=True) and _number(max_zoom, 0, 22, whole=True)):
        fail("zoom and max_zoom must be whole numbers from 0 to 22")
    return dict(map_tiles=tiles, map_attribution=str(raw.get("attribution", DEFAULT_ATTRIBUTION)),
                map_attribution_url=link, map_centre=(float(centre[0]), float(centre[1])),
                map_zoom=zoom, map_max_zoom=max_zoom)


def _geocoding_settings(raw: dict, settings: Path) -> dict:
    """[geocoding] provider = "ban" | "nominatim" (empty or missing: off), url,
    allow_private_addresses, timeout (seconds)."""
    def fail(message):
        raise InstanceError(f"{settings}: [geocoding] {message}")

    if not isinstance(raw, dict):
        fail("must be a table")
    provider = raw.get("provider", "") or ""
    if provider not in ("", *GEOCODING_PROVIDERS):
        fail('provider must be "ban", "nominatim" or "" (off)')
    url = raw.get("url", "") or ""
    if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
        fail("url must be an https:// address")
    allow = raw.get("allow_private_addresses", False)
    if not isinstance(allow, bool):
        fail("allow_private_addresses must be true or false")
    timeout = raw.get("timeout", Instance.geocoding_timeout)
    if not _number(timeout, 0.1, 60):
        fail("timeout must be a number of seconds, from 0.1 to 60")
    return dict(geocoding_provider=provider, geocoding_url=url, geocoding_allow_private=allow,
                geocoding_timeout=float(timeout))


SIGNUP_MODES = ("open", "invitation", "closed")


def _accounts_settings(accounts: dict, mail: dict, settings: Path) -> dict:
    """[accounts] signup (the default; admins change it on /admin/comptes); [mail] host, port,
    username, sender, starttls, outbox, base_url (checked again by wiki/mail.py)."""
    if not isinstance(accounts, dict) or not isinstance(mail, dict):
        raise InstanceError(f"{settings}: [accounts] and [mail] must be tables")
    signup = accounts.get("signup", "closed")
    if signup not in SIGNUP_MODES:
        raise InstanceError(f'{settings}: [accounts] signup must be "open", "invitation" or "closed"')
    from .mail import parse_settings, MailSettingsError
    try:
        parse_settings(mail, "")
    except MailSettingsError as exc:
        raise InstanceError(f"{settings}: [mail] {exc}") from None
    return dict(signup=signup, mail=dict(mail))


def _statistics_settings(raw: dict, settings: Path) -> dict:
    """[statistics] enabled (true by default), theme_field, commune_field (fiche field ids)."""
    def fail(message):
        raise InstanceError(f"{settings}: [statistics] {message}")

    if not isinstance(raw, dict):
        fail("must be a table")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        fail("enabled must be true or false")
    fields = {}
    for key, default in (("theme_field", Instance.statistics_theme_field),
                         ("commune_field", Instance.statistics_commune_field)):
        value = raw.get(key, default)
        if not isinstance(value, str) or not 0 < len(value) <= 40:
            fail(f"{key} must be the id of a fiche field, e.g. \"{default}\"")
        fields[f"statistics_{key}"] = value
    return dict(statistics_enabled=enabled, **fields)


def _secrets(instance: Instance, *, create: bool) -> dict:
    file = instance.data / "secrets.toml"
    if file.is_file():
        return tomllib.loads(file.read_text(encoding="utf-8"))
    if not create:
        raise InstanceError(f"{file} not found: run `bocage init {instance.path}` first")
    instance.data.mkdir(parents=True, exist_ok=True)
    values = {"secret_key": secrets.token_urlsafe(48)}
    file.write_text(tomli_w.dumps(values), encoding="utf-8")
    file.chmod(0o600)
    return values


def _make_data_dirs(instance: Instance) -> None:
    for folder in (instance.data, instance.uploads, instance.search_dir):
        folder.mkdir(parents=True, exist_ok=True)
