"""HTTP headers that keep browsers safe: a strict Content-Security-Policy (no inline script)."""
import re

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: http: data:",    # map tiles ([map] tiles); Leaflet blanks old tiles with data:
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}


def init_app(app):
    @app.after_request
    def _headers(response):
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response


_UNSAFE_IN_URL = re.compile(r"[\x00-\x1f\x7f\\]")   # browsers drop tabs and newlines, read \ as /


def safe_next_url(target: str | None) -> str:
    r"""Only same-site paths: never redirect people to another site (open redirect).

    "/\t/evil.example" is "//evil.example" to a browser, and a newline breaks the Location header:
    any ASCII control character or backslash sends people home instead.
    """
    if not target or not target.startswith("/") or target.startswith("//") or _UNSAFE_IN_URL.search(target):
        return "/"
    return target
