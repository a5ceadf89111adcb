"""Sending e-mail: confirmation, password reset and invitation links, notices to people.

instance.toml's [mail] section says how:

    [mail]
    host = "smtp.example.org"     # none: every message goes to the outbox folder
    port = 587
    username = "wiki@example.org" # the password: `mail_password` in data/secrets.toml,
    starttls = true               #   or the BOCAGE_MAIL_PASSWORD environment variable
    sender = "Wiki <wiki@example.org>"
    outbox = false                # true: write to data/outbox/ instead of sending (development)
    base_url = "https://wiki.example.org"   # links in messages (default https://<domain>)

With `outbox = true` or no host (development, tests, demos) each message is written as an .eml
file into data/outbox/, where people (and tests) read it. Links in messages are built from
base_url, never from the request's Host header (which anyone can set: poisoned reset links).
"""
import logging
import os
import smtplib
import ssl
import time
import tomllib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


class MailSettingsError(ValueError):
    """[mail] in instance.toml is unusable."""


class MailError(Exception):
    """The message could not be sent (the SMTP server refused it or could not be reached)."""


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 587
    username: str = ""
    sender: str = ""
    starttls: bool = True
    outbox: bool = False
    base_url: str = ""
    timeout: float = 10.0

    @property
    def to_outbox(self) -> bool:
        return self.outbox or not self.host


def parse_settings(raw: dict, domain: str) -> MailSettings:
    def text(key, default=""):
        value = raw.get(key, default)
        if not isinstance(value, str) or "\n" in value or "\r" in value:
            raise MailSettingsError(f"{key} must be a one-line string")
        return value.strip()

    port = raw.get("port", 465 if raw.get("ssl") else 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise MailSettingsError("port must be a whole number from 1 to 65535")
    for key in ("starttls", "outbox"):
        if not isinstance(raw.get(key, False), bool):
            raise MailSettingsError(f"{key} must be true or false")
    base = text("base_url") or (f"https://{domain}" if domain else "")
    if base and not base.startswith(("https://", "http://")):
        raise MailSettingsError("base_url must start with https://")
    sender = text("sender") or (f"no-reply@{domain.split(':')[0]}" if domain else "")
    return MailSettings(host=text("host"), port=port, username=text("username"), sender=sender,
                        starttls=raw.get("starttls", port != 465), outbox=raw.get("outbox", False),
                        base_url=base.rstrip("/"))


def settings(instance=None) -> MailSettings:
    instance = instance or current_app.extensions["bocage.instance"]
    return parse_settings(instance.mail, instance.domain)


def outbox_dir(instance=None) -> Path:
    instance = instance or current_app.extensions["bocage.instance"]
    return instance.data / "outbox"


def link(path: str) -> str:
    """An absolute address for a message: base_url + path (path from url_for, starting with /)."""
    return settings().base_url + path


def _password(instance) -> str:
    if os.environ.get("BOCAGE_MAIL_PASSWORD"):
        return os.environ["BOCAGE_MAIL_PASSWORD"]
    file = instance.data / "secrets.toml"
    try:
        return str(tomllib.loads(file.read_text(encoding="utf-8")).get("mail_password", ""))
    except (OSError, tomllib.TOMLDecodeError):
        return ""


def build_message(to: str, subject: str, text: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())         # never a header break
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(sender.rpartition("@")[2].strip("> ") or None))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message


def send_mail(to: str, subject: str, text: str) -> Path | None:
    """Send one plain-text message; in outbox mode, the path of the .eml file written.
    Raises MailError when the SMTP server refuses or cannot be reached (callers say so)."""
    instance = current_app.extensions["bocage.instance"]
    config = settings(instance)
    if "\n" in to or "\r" in to:
        raise MailError("bad recipient")
    message = build_message(to, subject, text, config.sender)
    if config.to_outbox:
        folder = outbox_dir(instance)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        (folder / (name + ".tmp")).write_bytes(bytes(message))
        os.replace(folder / (name + ".tmp"), folder / name)    # readers never see half a message
        return folder / name
    try:
        if config.port == 465 and not config.starttls:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, _password(instance))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail to %s not sent: %s", to, exc)
        raise MailError(str(exc)) from exc
    return None
