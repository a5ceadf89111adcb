"""Three-way merge and diffs: the pieces that guarantee nobody's text is lost."""
from hypothesis import given, strategies as st

from wiki.content.diff import diff_lines, diff_stats
from wiki.content.merge import MARK_MINE, MARK_THEIRS, merge_texts

BASE = "# Titre\n\nPremier paragraphe.\n\nDeuxième paragraphe.\n\nTroisième paragraphe.\n"


def test_changes_to_different_paragraphs_merge_cleanly():
    mine = BASE.replace("Premier", "Le premier")
    theirs = BASE.replace("Troisième", "Le troisième")
    result = merge_texts(BASE, mine, theirs)
    assert result.conflicts == 0
    assert "Le premier paragraphe." in result.text and "Le troisième paragraphe." in result.text


def test_overlapping_changes_conflict_and_keep_both_texts():
    mine = BASE.replace("Deuxième paragraphe.", "Ma version.")
    theirs = BASE.replace("Deuxième paragraphe.", "Leur version.")
    result = merge_texts(BASE, mine, theirs)
    assert result.conflicts == 1
    assert MARK_MINE in result.text and MARK_THEIRS in result.text
    assert "Ma version." in result.text and "Leur version." in result.text


def test_same_change_on_both_sides_is_not_a_conflict():
    both = BASE + "\nAjout commun.\n"
    assert merge_texts(BASE, both, both) == merge_texts(BASE, both, both)
    assert merge_texts(BASE, both, both).conflicts == 0


def test_missing_final_newline_does_not_conflict():
    assert merge_texts("a\nb\n", "a\nb\nc", "z\na\nb\n").conflicts == 0


@given(st.lists(st.text(alphabet="abc \n", max_size=8), min_size=0, max_size=6),
       st.text(alphabet="xyz\n", max_size=30), st.text(alphabet="uvw\n", max_size=30))
def test_merge_never_drops_a_side(lines, mine_extra, theirs_extra):
    base = "\n".join(lines) + "\n"
    mine, theirs = mine_extra + "\n" + base, base + theirs_extra + "\n"
    result = merge_texts(base, mine, theirs)
    for line in (mine_extra + "\n" + theirs_extra).splitlines():
        assert line in result.text


def test_diff_marks_changed_words_and_escapes_html():
    rows = diff_lines("Le <b>vélo</b> est là\nfin", "Le <b>vélo</b> était là\nfin")
    kinds = [r.kind for r in rows]
    assert kinds == ["del", "add", "same"]
    assert "<del>est</del>" in rows[0].html and "<ins>était</ins>" in rows[1].html
    assert "&lt;b&gt;" in rows[0].html and "<b>" not in rows[0].html


def test_diff_stats():
    assert diff_stats("a\nb\n", "a\nc\nd\n") == (2, 1)
