"""The wiki's own syntax on top of Markdown: `[[links]]` and `{{actions}}`.

Kept in one place because the renderer, the link table (backlinks, wanted pages) and the
importers all need to read it the same way.
"""
import re

from ..names import to_name

# [[Page name]] or [[Page name|label]]; a URL target makes an external link.
WIKILINK_PATTERN = r"\[\[(?P<wl_target>[^\[\]|\n]{1,200})(?:\|(?P<wl_label>[^\[\]\n]{1,200}))?\]\]"
WIKILINK = re.compile(WIKILINK_PATTERN)
# {{name param="value" other='value' flag}} alone on a line
ACTION_PATTERN = r"^\{\{\s*(?P<act_name>[A-Za-z][\w-]{0,40})(?P<act_params>(?:\s+[^{}\n]*)?)\s*\}\}[ \t]*$"
ACTION = re.compile(ACTION_PATTERN, re.MULTILINE)
_PARAM = re.compile(r"""([A-Za-z][\w-]{0,40})\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


def is_url(target: str) -> bool:
    return bool(_URL.match(target.strip()))


def parse_params(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.group(2, 3, 4) if g is not None)
            for m in _PARAM.finditer(text or "")}


def link_targets(source: str) -> set[str]:
    """Names of the pages a source links to or includes (for the link table)."""
    targets = {to_name(m.group("wl_target")) for m in WIKILINK.finditer(source)
               if not is_url(m.group("wl_target"))}
    for m in ACTION.finditer(source):
        if m.group("act_name").lower() in ("include", "inclure"):
            page = parse_params(m.group("act_params")).get("page")
            if page:
                targets.add(to_name(page))
    targets.discard("")
    return targets
