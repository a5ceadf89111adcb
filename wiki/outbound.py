"""Requests Bocage itself sends to other servers (a geocoding provider, other wikis).

Any address a request goes to can come from a setting or, later, from another server: `fetch`
treats it as untrusted, so that the wiki cannot be turned against its own network (SSRF).

- only http:// and https:// (with certificate checks), on any port;
- the host name is resolved once, every address it resolves to must be public (no loopback,
  private, link-local, shared, multicast, reserved... addresses), and the connection goes to the
  address that was checked, so a second DNS answer cannot swap it for 127.0.0.1 (DNS rebinding);
  `allow_private=True` lifts this, for tests and demos pointing at a local server;
- redirections are followed up to `max_redirects` times, each one checked the same way;
- a timeout on connecting and on each read, and an overall deadline;
- the answer is read up to `max_bytes`: more is an error, never a full memory;
- a User-Agent naming Bocage and the instance (`user_agent()`), as public services ask;
- `sign`, when given, is called for each request actually sent (each redirection too) with
  (method, url, headers, body) and returns headers to add (HTTP signatures).

`fetch` is a GET that wants a 2xx answer; `send` sends any method with a body and extra headers,
never follows redirections (a POST is not replayed elsewhere) and returns the answer whatever its
status (the delivery queue reads 429, 503 and Retry-After).

Errors are `OutboundError` with a `reason` ("refused", "unreachable", "timeout", "too_large",
"status", "invalid") that callers turn into a message for people; never a bare exception.
Standard library only (http.client), so that nothing here depends on a client's own DNS handling.
"""
import functools
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from importlib import metadata
from urllib.parse import urljoin, urlsplit

DEFAULT_TIMEOUT = 5.0               # seconds, for connecting and for each read
DEFAULT_MAX_BYTES = 1024 * 1024


class OutboundError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass
class Response:
    url: str
    status: int
    headers: dict = field(default_factory=dict)      # lower-case names
    body: bytes = b""

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@functools.lru_cache(maxsize=1)
def _version() -> str:
    try:
        return metadata.version("bocage")
    except metadata.PackageNotFoundError:
        return "dev"


def user_agent(instance) -> str:
    """`Bocage/0.1.0 (Pays de Redon; +https://wiki.example.org/)`."""
    version = _version()           # reading the metadata takes 2 ms: once per process
    name = "".join(c for c in instance.name if c.isprintable() and c not in "()\r\n")[:80]
    return f"Bocage/{version} ({name}; +https://{instance.domain}/)"


def public_address(address: str) -> bool:
    """Whether an IP address is one the Internet can reach (not this machine or its networks)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, allow_private: bool) -> str:
    """The checked address to connect to for `host`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError("unreachable", f"cannot resolve {host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise OutboundError("unreachable", f"no address for {host}")
    if not allow_private:
        refused = [a for a in addresses if not public_address(a)]
        if refused:
            raise OutboundError("refused", f"{host} is a private or local address ({refused[0]})")
    return addresses[0]


class _Pinned(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the host."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _once(url, headers, timeout, deadline, max_bytes, allow_private, method="GET", body=None, sign=None):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError("invalid", f"not an http(s) address: {url[:200]}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundError("invalid", f"bad port in {url[:200]}") from None
    address = _resolve(parts.hostname, port, allow_private)
    kind = _PinnedTLS if parts.scheme == "https" else _Pinned
    conn = kind(parts.hostname, port, address, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if sign is not None:
        headers = {**headers, **sign(method, url, headers, body)}
    try:
        conn.request(method, target, body=body, headers=headers)
        answer = conn.getresponse()
        body = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise OutboundError("timeout", f"{parts.hostname} is too slow")
            chunk = answer.read1(64 * 1024)
            if not chunk:
                break
            body += chunk
            if len(body) > max_bytes:
                raise OutboundError("too_large", f"more than {max_bytes} bytes from {parts.hostname}")
        return Response(url=url, status=answer.status, body=bytes(body),
                        headers={k.lower(): v for k, v in answer.getheaders()})
    except (TimeoutError, socket.timeout):
        raise OutboundError("timeout", f"{parts.hostname} did not answer in time") from None
    except (OSError, http.client.HTTPException) as exc:     # refused, reset, TLS, bad HTTP...
        raise OutboundError("unreachable", f"{parts.hostname}: {exc}") from None
    finally:
        conn.close()


def fetch(url: str, *, user_agent: str, accept: str = "application/json",
          timeout: float = DEFAULT_TIMEOUT, total_timeout: float | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES, max_redirects: int = 3,
          allow_private: bool = False, sign=None) -> Response:
    """GET `url` safely (see the module's notes). A non-2xx answer is an OutboundError("status")."""
    deadline = time.monotonic() + (total_timeout or timeout * 3)
    headers = _headers(user_agent, accept)
    for _hop in range(max_redirects + 1):
        response = _once(url, headers, timeout, deadline, max_bytes, allow_private, sign=sign)
        location = response.headers.get("location")
        if response.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if not 200 <= response.status < 300:
            raise OutboundError("status", f"HTTP {response.status} from {urlsplit(url).hostname}")
        return response
    raise OutboundError("status", f"too many redirections from {urlsplit(url).hostname}")


def send(method: str, url: str, *, user_agent: str, body: bytes | None = None,
         headers: dict | None = None, accept: str = "application/json",
         timeout: float = DEFAULT_TIMEOUT, total_timeout: float | None = None,
         max_bytes: int = DEFAULT_MAX_BYTES, allow_private: bool = False, sign=None) -> Response:
    """Send `method` with `body` to `url` safely, once (no redirection followed); the answer
    whatever its status. Network failures are OutboundErrors, as with `fetch`."""
    deadline = time.monotonic() + (total_timeout or timeout * 3)
    all_headers = {**_headers(user_agent, accept), **(headers or {})}
    return _once(url, all_headers, timeout, deadline, max_bytes, allow_private,
                 method=method.upper(), body=body, sign=sign)


def _headers(user_agent: str, accept: str) -> dict:
    return {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "identity",
            "Connection": "close"}
