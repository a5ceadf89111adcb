"""The `[antispam]` section of instance.toml, checked when the app starts.

    [antispam]
    max_links_anonymous = 3          # links an anonymous edit may add (0: none; -1: no cap)
    blocklist_words = ["casino"]     # also data/blocklist.txt, edited at /admin/antispam
    blocklist_domains = ["spam.example"]
    edits_per_minute_address = 10    # visitors without an account, per address (0: no limit)
    edits_per_minute_account = 30    # per account, and per wiki-party pseudonym (0: no limit)
    hold_first_edits = 0             # N > 0: a new account's first N edits wait for a moderator
    hold_anonymous = false           # true: every edit by a visitor without account waits

Read here rather than in wiki/instance.py so that this concern stays in one package.
"""
import tomllib
from dataclasses import dataclass

from ..instance import Instance, InstanceError


@dataclass(frozen=True)
class Settings:
    max_links_anonymous: int = 3
    blocklist_words: tuple = ()
    blocklist_domains: tuple = ()
    edits_per_minute_address: int = 10
    edits_per_minute_account: int = 30
    hold_first_edits: int = 0
    hold_anonymous: bool = False


_NUMBERS = {"max_links_anonymous": (-1, 100_000), "edits_per_minute_address": (0, 100_000),
            "edits_per_minute_account": (0, 100_000), "hold_first_edits": (0, 100_000)}


def load_settings(instance: Instance) -> Settings:
    file = instance.path / "instance.toml"
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8")).get("antispam", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{file}: {exc}") from exc

    def fail(message):
        raise InstanceError(f"{file}: [antispam] {message}")

    if not isinstance(raw, dict):
        fail("must be a table")
    values = {}
    for key, (lo, hi) in _NUMBERS.items():
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                fail(f"{key} must be a whole number from {lo} to {hi}")
            values[key] = value
    for key in ("blocklist_words", "blocklist_domains"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                fail(f'{key} must be a list of strings, e.g. ["casino"]')
            values[key] = tuple(v for v in value if v.strip())
    if "hold_anonymous" in raw:
        if not isinstance(raw["hold_anonymous"], bool):
            fail("hold_anonymous must be true or false")
        values["hold_anonymous"] = raw["hold_anonymous"]
    return Settings(**values)
