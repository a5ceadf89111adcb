"""The blocklist: words and domains from instance.toml plus data/blocklist.txt.

data/blocklist.txt is what admins edit at /admin/antispam: one word (or phrase) or one domain a
line, `#` starts a comment. A line with a dot and no space is a domain: it blocks the domain and
its subdomains wherever they are written (Markdown link, bare URL, plain mention). Words match
whole words, whatever the case and the accents. Every process reads the file again when it
changes, so a change applies at once to every worker.
"""
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from . import textscan

MAX_FILE = 200_000           # characters kept from the admin's text


@dataclass(frozen=True)
class Blocklist:
    words: tuple                 # (entry as written, compiled pattern)
    domains: tuple               # normalised domains

    def first_added(self, old: str, new: str) -> str | None:
        """The first blocked word or domain that `new` has more often than `old`, else None."""
        if not self.words and not self.domains:
            return None
        if self.words:
            old_folded, new_folded = textscan.fold(old), textscan.fold(new)
            for entry, pattern in self.words:
                if len(pattern.findall(new_folded)) > len(pattern.findall(old_folded)):
                    return entry
        if self.domains:
            old_hosts, new_hosts = textscan.hosts(old), textscan.hosts(new)
            for domain in self.domains:
                if textscan.count_domain(new_hosts, domain) > textscan.count_domain(old_hosts, domain):
                    return domain
        return None


def parse(lines, domains=()) -> Blocklist:
    words, found = [], []
    for line in lines:
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if textscan.is_domain(entry):
            found.append(textscan.normal_domain(entry))
        elif textscan.fold(entry).strip():
            words.append((entry[:100], textscan.word_pattern(entry)))
    found.extend(d for d in (textscan.normal_domain(d) for d in domains) if d)
    return Blocklist(words=tuple(words), domains=tuple(dict.fromkeys(found)))


class Holder:
    """The blocklist of one instance, read again when data/blocklist.txt changes."""

    def __init__(self, path: Path, words=(), domains=()):
        self.path, self.words, self.domains = path, tuple(words), tuple(domains)
        self.stamp, self.current, self.lock = None, None, threading.Lock()

    def get(self) -> Blocklist:
        try:
            stat = os.stat(self.path)
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if self.current is None or stamp != self.stamp:
            with self.lock:
                self.current = parse([*self.words, *self.file_text().splitlines()], self.domains)
                self.stamp = stamp
        return self.current

    def file_text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def save(self, text: str) -> None:
        """Write the admin's text (written to a temporary file first: never half a list)."""
        text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text.replace("\r\n", "\n"))[:MAX_FILE]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(text.rstrip("\n") + "\n" if text.strip() else "", encoding="utf-8")
        os.replace(temporary, self.path)
        self.current = None
