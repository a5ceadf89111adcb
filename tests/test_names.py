"""Slugs: our fast path gives python-slugify's own output (page names, fiche sort keys and the
folded words of list filters depend on it staying the same)."""
from hypothesis import given, settings
from hypothesis import strategies as st
from slugify import slugify

from wiki.names import slug, to_name

FRENCH = "éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÛÇœŒæÆßÿ’‘ʼ«»–—…€\u00a0\u202f"
text = st.text(alphabet=st.sampled_from([chr(c) for c in range(32, 127)] + list(FRENCH)), max_size=80)
anything = st.text(max_size=40)


@settings(max_examples=600, deadline=None)
@given(text, st.sampled_from(["-", " "]))
def test_french_text_gives_slugifys_output(value, separator):
    assert slug(value, separator=separator) == slugify(value, separator=separator)


@settings(max_examples=300, deadline=None)
@given(st.one_of(text, anything))
def test_page_names_are_slugifys(value):
    assert to_name(value) == slugify(value, max_length=100, word_boundary=True)


@settings(max_examples=300, deadline=None)
@given(anything)
def test_any_text_gives_slugifys_output(value):
    assert slug(value, separator=" ") == slugify(value, separator=" ")


def test_examples():
    assert slug("L'atelier d’été « bio » – 3,5 € & co") == slugify("L'atelier d’été « bio » – 3,5 € & co")
    assert slug("Œuvre naïve à l’école", separator=" ") == "oeuvre naive a lecole"
    assert to_name("Guide de la wiki party") == "guide-de-la-wiki-party"
    assert slug("日本") == "ri-ben"
