"""Reading the mail the wiki sent: in tests (no [mail] host) every message is an .eml file in
data/outbox/ (wiki/mail.py)."""
import re
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit


def outbox(instance_dir, to=None) -> list:
    """Every message written so far, oldest first (EmailMessage objects); only those to `to`."""
    folder = instance_dir / "data" / "outbox"
    found = [BytesParser(policy=policy.default).parsebytes(path.read_bytes())
             for path in sorted(folder.glob("*.eml"))] if folder.is_dir() else []
    return [m for m in found if to is None or m["To"] == to]


def last_mail(instance_dir, to=None):
    found = outbox(instance_dir, to)
    assert found, f"no mail to {to}"
    return found[-1]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, prefix="/") -> str:
    """The path (and query) of the first link in the message whose path starts with `prefix`."""
    for url in re.findall(r"https?://\S+", body(message)):
        parts = urlsplit(url)
        if parts.path.startswith(prefix):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link to {prefix} in: {body(message)}")
