"""Line diffs between two revisions, with the changed words marked, for the diff and conflict views."""
import difflib
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass
class DiffLine:
    kind: str                    # "same", "del", "add", "gap"
    old_no: int | None = None
    new_no: int | None = None
    html: Markup = field(default_factory=Markup)


def _mark_words(old: str, new: str) -> tuple[Markup, Markup]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
        else:
            if old_part:
                left.append(Markup("<del>%s</del>") % old_part)
            if new_part:
                right.append(Markup("<ins>%s</ins>") % new_part)
    return Markup("").join(left), Markup("").join(right)


def diff_lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """A unified diff as rows for a template; modified line pairs get word-level marks."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for n, group in enumerate(matcher.get_grouped_opcodes(context)):
        if n:
            rows.append(DiffLine("gap"))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                rows.extend(DiffLine("same", i + 1, j1 + k + 1, escape(a[i]))
                            for k, i in enumerate(range(i1, i2)))
                continue
            olds, news = a[i1:i2], b[j1:j2]
            paired = min(len(olds), len(news)) if op == "replace" else 0
            marked = [_mark_words(olds[k], news[k]) for k in range(paired)]
            rows.extend(DiffLine("del", i1 + k + 1, None, marked[k][0] if k < paired else escape(line))
                        for k, line in enumerate(olds))
            rows.extend(DiffLine("add", None, j1 + k + 1, marked[k][1] if k < paired else escape(line))
                        for k, line in enumerate(news))
    return rows


def diff_stats(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed), shown in history lists."""
    added = removed = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed
