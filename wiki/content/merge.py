"""Three-way merge of texts, so that two people editing the same page never lose text."""
from dataclasses import dataclass

import merge3

MARK_MINE = "<<<<<<< votre version / your version"
MARK_SEP = "======="
MARK_THEIRS = ">>>>>>> version enregistrée entre-temps / version saved meanwhile"


@dataclass
class MergeResult:
    text: str          # merged text; with conflict markers when `conflicts` > 0
    conflicts: int


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"   # a missing final newline must not conflict on its own
    return lines


def merge_texts(base: str, mine: str, theirs: str) -> MergeResult:
    """Merge `mine` (the editor's text) and `theirs` (saved meanwhile), both derived from `base`."""
    m3 = merge3.Merge3(_lines(base), _lines(mine), _lines(theirs))
    out: list[str] = []
    conflicts = 0
    for group in m3.merge_groups():
        kind = group[0]
        if kind in ("unchanged", "a", "b", "same"):
            out.extend(group[1])
        else:   # ("conflict", base, a, b)
            conflicts += 1
            out.append(MARK_MINE + "\n")
            out.extend(group[2])
            out.append(MARK_SEP + "\n")
            out.extend(group[3])
            out.append(MARK_THEIRS + "\n")
    return MergeResult("".join(out), conflicts)
