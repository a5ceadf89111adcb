"""wiki.search.index on a real whoosh index in tmp_path: French analysis, ranking, excerpts,
robustness against user queries, multi-instance visibility and lock contention."""
import re
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

import wiki.search.index as search_index
from wiki.search import SearchDoc, SearchIndex, SearchIndexLocked, SearchResults, plain_text


@pytest.fixture
def ix(tmp_path):
    index = SearchIndex(tmp_path / "search")
    yield index
    index.close()


def names(results):
    return [h.name for h in results.hits]


def doc(name, title="", text="", **kw):
    return SearchDoc(name=name, title=title or name, text=text, **kw)


def test_creates_index_in_missing_or_empty_folder_and_reopens_it(tmp_path):
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "missing" / "deeper"):
        first = SearchIndex(folder)
        assert first.count() == 0 and first.search("haie").total == 0
        first.add(doc("haies", "Les haies", "Planter une haie."))
        first.close()
        again = SearchIndex(folder)
        assert again.count() == 1 and names(again.search("haie")) == ["haies"]
        again.close()


def test_accent_folding_both_directions(ix):
    ix.add(doc("mob", "Mobilité en zone rurale", "Le transport à la demande."))
    ix.add(doc("sans-accent", "Notes", "La mobilite des aines et l'ecole du bourg."))
    ix.add(doc("ecole", "École de Saint-Aubin", "Cantine et garderie."))
    assert set(names(ix.search("mobilite"))) == {"mob", "sans-accent"}
    assert set(names(ix.search("Mobilité"))) == {"mob", "sans-accent"}
    assert set(names(ix.search("MOBILITÉ"))) == {"mob", "sans-accent"}
    assert set(names(ix.search("ecole"))) == {"ecole", "sans-accent"}
    assert set(names(ix.search("École"))) == {"ecole", "sans-accent"}
    assert names(ix.search("aînés")) == ["sans-accent"]


def test_ligatures_fold_too(ix):
    ix.add(doc("oeuvre", "Œuvres du patrimoine", "Un cœur de village."))
    assert names(ix.search("oeuvre")) == ["oeuvre"]
    assert names(ix.search("coeur")) == ["oeuvre"]


def test_french_stemming_plural_and_singular(ix):
    ix.add(doc("rando", "Sentiers", "Une randonnée balisée autour du lac."))
    ix.add(doc("mobs", "Transports", "Les mobilités douces : vélo et marche."))
    ix.add(doc("chevaux", "Élevage", "Des chevaux de trait dans les prés."))
    assert names(ix.search("randonnées")) == ["rando"]
    assert names(ix.search("randonnee")) == ["rando"]
    assert names(ix.search("mobilité")) == ["mobs"]
    assert names(ix.search("mobilités")) == ["mobs"]
    assert names(ix.search("cheval")) == ["chevaux"]


def test_title_match_ranks_above_body_only_match(ix):
    filler = "Texte de remplissage sur la vie du bourg et ses associations. "
    ix.add(doc("body", "Compte rendu du conseil", filler * 3 + "On a parlé du verger. " + filler * 3))
    ix.add(doc("title", "Le verger conservatoire", filler * 8))
    ix.add(doc("other", "Autre chose", filler))
    assert names(ix.search("verger")) == ["title", "body"]


def test_more_matching_terms_rank_higher_with_or_grouping(ix):
    ix.add(doc("both", "Notes", "Le marché de producteurs et la fête du village."))
    ix.add(doc("one", "Notes", "Le marché couvert."))
    ix.add(doc("none", "Notes", "Rien ici."))
    results = ix.search("marché fête")
    assert names(results) == ["both", "one"] and results.total == 2


def test_excerpt_escapes_document_html_and_marks_terms(ix):
    text = "Avant. <script>alert('x')</script> Le <b>verger</b> & la haie \"bocagère\". Après."
    ix.add(doc("xss", "Page piégée", text))
    hit = ix.search("verger").hits[0]
    assert "<mark>verger</mark>" in hit.excerpt
    assert "&lt;script&gt;" in hit.excerpt and "&amp;" in hit.excerpt
    assert "<" not in re.sub(r"</?mark>", "", hit.excerpt), hit.excerpt
    assert "<mark>script</mark>" in ix.search("script").hits[0].excerpt


def test_excerpt_is_built_from_fragments_of_long_text(ix):
    words = " ".join(f"mot{i}" for i in range(400))
    ix.add(doc("long", "Long", f"{words} le lavoir communal {words} encore le lavoir {words}"))
    excerpt = ix.search("lavoir").hits[0].excerpt
    assert excerpt.count("<mark>lavoir</mark>") == 2
    assert " … " in excerpt and excerpt.startswith("… ")
    assert len(re.sub(r"</?mark>", "", excerpt)) < 2 * 300


def test_title_only_match_gives_leading_text_escaped(ix):
    ix.add(doc("t", "Châtaigneraie", "Intro <i>courte</i> & simple. " + "blabla " * 100))
    excerpt = ix.search("châtaigneraie").hits[0].excerpt
    assert excerpt.startswith("Intro &lt;i&gt;courte&lt;/i&gt; &amp; simple.")
    assert "<mark>" not in excerpt and len(excerpt) < 260


def test_stored_text_is_capped_but_whole_text_is_searchable(ix):
    ix.add(doc("big", "Gros document", "début " + "remplissage " * 3000 + " tournesol à la fin"))
    results = ix.search("tournesol")
    assert names(results) == ["big"]
    assert results.hits[0].excerpt.startswith("début")  # no highlight past the stored part


def test_phrase_and_prefix_queries(ix):
    ix.add(doc("cc", "Vente", "Un circuit court de producteurs."))
    ix.add(doc("other", "Vente", "Un court de tennis sur le circuit."))
    ix.add(doc("mob", "Mobilité", "Transports."))
    assert names(ix.search('"circuit court"')) == ["cc"]
    assert set(names(ix.search("circuit court"))) == {"cc", "other"}
    assert names(ix.search("mobil*")) == ["mob"]
    assert "<mark>circuit</mark>" in ix.search('"circuit court"').hits[0].excerpt


def test_field_syntax_and_boolean_operators(ix):
    ix.add(doc("a", "Four à pain", "Le four banal du village."))
    ix.add(doc("b", "Moulin", "Le four est à côté du moulin."))
    assert names(ix.search("title:four")) == ["a"]
    assert names(ix.search("four AND moulin")) == ["b"]
    assert names(ix.search("four NOT moulin")) == ["a"]


def test_remove(ix):
    ix.add(doc("a", "Seigle", "Du pain de seigle."))
    ix.add(doc("b", "Froment", "Du pain de froment."))
    ix.remove("a")
    assert ix.count() == 1
    assert ix.search("seigle").total == 0 and names(ix.search("pain")) == ["b"]
    ix.remove("does-not-exist")
    assert ix.count() == 1


def test_add_twice_replaces(ix):
    ix.add(doc("four", "Four", "On y cuit le seigle."))
    ix.add(doc("four", "Four", "On y cuit le sarrasin.", kind="entry"))
    assert ix.count() == 1
    assert ix.search("seigle").total == 0
    assert [(h.name, h.kind) for h in ix.search("sarrasin").hits] == [("four", "entry")]


def test_rebuild_replaces_everything_and_reports_progress(ix):
    ix.add(doc("old", "Ancienne page", "Contenu périmé sur la luzerne."))
    seen = []
    docs = (doc(f"p{i}", f"Page {i}", f"Le pommier numéro {i}.") for i in range(1203))
    assert ix.rebuild(docs, progress=seen.append) == 1203
    assert ix.count() == 1203
    assert ix.search("luzerne").total == 0
    assert ix.search("pommier").total == 1203
    assert seen == [500, 1000, 1203]
    assert ix.rebuild([doc("x", "X", "un"), doc("x", "X bis", "deux")]) == 1  # duplicate names: first wins
    assert ix.count() == 1 and ix.search("X").hits[0].title == "X"
    assert ix.rebuild([]) == 0 and ix.count() == 0


def test_rebuild_failure_keeps_the_old_index(ix):
    ix.add(doc("kept", "Gardée", "La prairie."))

    def broken():
        yield doc("new", "Nouvelle", "Le pré.")
        raise RuntimeError("database went away")
    with pytest.raises(RuntimeError):
        ix.rebuild(broken())
    assert names(ix.search("prairie")) == ["kept"] and ix.count() == 1
    ix.add(doc("after", "Après", "La prairie encore."))  # the lock was released
    assert ix.count() == 2


@pytest.mark.parametrize("query", [
    '"unbalanced', "AND OR (", "*", "**", "?", "", "   ", "\t\n", "a*", "title:", ":", "(((", ")))",
    "NOT", "foo^", "^2", '"', '""', "[a TO", "{", "updated:hier", "updated:[2020 TO", "kind:", "*:*",
    "title:*", "l'", "~", '"verger"~', "AND", "\x00", "\ud800", "verger OR", "-verger", "+verger",
])
def test_malformed_queries_never_raise(ix, query):
    ix.add(doc("v", "Verger", "Le verger communal."))
    results = ix.search(query)
    assert isinstance(results, SearchResults)
    assert results.total == len(results.hits) <= 1
    assert all(isinstance(h.excerpt, str) for h in results.hits)


def test_empty_and_stopword_queries_give_empty_results_without_error(ix):
    ix.add(doc("v", "Le verger", "Le verger de la commune et les pommes."))
    for query in ("", "   ", None, "le la les de", "et ou"):
        results = ix.search(query)
        assert (results.hits, results.total, results.pages, results.error) == ([], 0, 0, None)


def test_match_everything_wildcards_are_ignored(ix):
    ix.add(doc("v", "Verger", "Le verger."))
    assert ix.search("*").total == 0 and ix.search("v*").total == 0
    assert names(ix.search("* verger")) == ["v"]


def test_very_long_query_is_truncated(ix):
    ix.add(doc("v", "Verger", "Le verger."))
    results = ix.search("verger " + "x" * 10_000)
    assert names(results) == ["v"] and len(results.query) <= search_index.MAX_QUERY_CHARS
    ix.search("verger " * 2000)
    ix.search("(" * 10_000)
    ix.search('"' + "mot " * 3000)


def test_pagination(ix):
    for i in range(25):
        ix.add(doc(f"p{i:02d}", f"Page {i}", f"Le tilleul de la place, version {i}."))
    pages = [ix.search("tilleul", limit=10, page=p) for p in (1, 2, 3)]
    assert [len(r.hits) for r in pages] == [10, 10, 5]
    assert all(r.total == 25 and r.pages == 3 for r in pages)
    assert [r.page for r in pages] == [1, 2, 3]
    assert len({n for r in pages for n in names(r)}) == 25
    beyond = ix.search("tilleul", limit=10, page=4)
    assert beyond.hits == [] and beyond.total == 25 and beyond.pages == 3
    assert ix.search("tilleul", limit=0, page=-3).page == 1  # clamped, no error
    assert ix.search("tilleul", limit=1000).hits.__len__() == 25


def test_kinds_filter(ix):
    ix.add(doc("page-haie", "Haie", "La haie champêtre."))
    ix.add(doc("initiatives/1", "Haie", "Planter une haie.", kind="entry"))
    ix.add(doc("initiatives/2", "Haie", "Tailler la haie.", kind="entry"))
    ix.add(doc("remote/9", "Haie", "Haie ailleurs.", kind="remote"))
    entries = ix.search("haie", kinds=["entry"])
    assert set(names(entries)) == {"initiatives/1", "initiatives/2"} and entries.total == 2 and entries.pages == 1
    assert {h.kind for h in ix.search("haie", kinds={"page", "remote"}).hits} == {"page", "remote"}
    assert names(ix.search("haie", kinds="remote")) == ["remote/9"]
    assert ix.search("haie", kinds=["nothing"]).total == 0
    assert ix.search("haie", kinds=[]).total == 4  # empty selection = all kinds
    assert ix.search("haie").total == 4


def test_hits_carry_metadata_and_score(ix):
    from datetime import datetime
    ix.add(doc("guide", "Guide de la wiki party", "Comment organiser.", updated=datetime(2024, 5, 1), extra="atelier"))
    hit = ix.search("atelier").hits[0]  # extra is searchable but not shown
    assert (hit.name, hit.title, hit.kind) == ("guide", "Guide de la wiki party", "page")
    assert hit.score > 0 and "atelier" not in hit.excerpt


def test_second_instance_sees_writes_after_they_happen(tmp_path):
    writer, reader = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    try:
        assert reader.search("seigle").total == 0  # the reader now holds a cached searcher
        writer.add(doc("four", "Four", "Pain de seigle."))
        assert names(reader.search("seigle")) == ["four"] and reader.count() == 1
        writer.add(doc("four", "Four", "Pain de sarrasin."))
        assert reader.search("seigle").total == 0 and names(reader.search("sarrasin")) == ["four"]
        for i in range(30):  # enough commits to trigger segment merges
            writer.add(doc(f"p{i}", f"Page {i}", "Le sarrasin encore."))
            assert reader.search("sarrasin").total == i + 2
        writer.remove("four")
        assert reader.count() == 30 and "four" not in names(reader.search("sarrasin", limit=100))
        writer.rebuild([doc("solo", "Solo", "Le seigle.")])
        assert names(reader.search("seigle")) == ["solo"] and reader.count() == 1
        reader.add(doc("back", "Retour", "Du seigle."))  # and the other way round
        assert writer.search("seigle").total == 2
    finally:
        writer.close()
        reader.close()


def test_segments_stay_few_after_many_adds(ix):
    for i in range(120):
        ix.add(doc(f"p{i}", f"Page {i}", "Le noyer."))
    assert len(whoosh_index.open_dir(ix.path)._segments()) <= 12
    assert ix.search("noyer").total == 120 and ix.count() == 120


def test_add_waits_for_a_writer_holding_the_lock_briefly(ix):
    ix.add(doc("a", "A", "Le houx."))
    other = whoosh_index.open_dir(ix.path).writer()  # another process' writer, as far as the lock goes
    releaser = threading.Timer(0.4, other.cancel)
    releaser.start()
    started = time.monotonic()
    ix.add(doc("b", "B", "Le houx encore."))
    assert time.monotonic() - started >= 0.3
    releaser.join()
    assert ix.count() == 2


def test_add_gives_up_with_a_clear_error_when_the_lock_is_held_too_long(ix, monkeypatch):
    monkeypatch.setattr(search_index, "LOCK_TIMEOUT", 0.3)
    other = whoosh_index.open_dir(ix.path).writer()
    try:
        with pytest.raises(SearchIndexLocked, match="another writer"):
            ix.add(doc("a", "A", "Le houx."))
        with pytest.raises(SearchIndexLocked):
            ix.remove("a")
    finally:
        other.cancel()
    ix.add(doc("a", "A", "Le houx."))
    assert ix.count() == 1


def test_concurrent_threads_search_and_write(ix):
    errors = []

    def work(k):
        try:
            for i in range(10):
                ix.add(doc(f"t{k}-{i}", "Fil", f"Le frêne numéro {i}."))
                ix.search("frêne")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and ix.count() == 40 and ix.search("frêne").total == 40


def test_reader_keeps_working_while_another_instance_merges_segments(tmp_path):
    """Segments are separate files opened lazily: merges elsewhere delete files under a cached searcher."""
    writer, reader = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    errors, done = [], threading.Event()

    def read():
        try:
            while not done.is_set():
                results = reader.search("orme", limit=5, page=1 + len(errors) % 2)
                assert results.total >= len(results.hits)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(60):
            writer.add(doc(f"p{i}", f"Orme {i}", "Un orme champêtre. " * 20))
    finally:
        done.set()
        thread.join()
        writer.close()
    assert errors == [] and reader.search("orme").total == 60
    reader.close()


def test_plain_text_strips_markdown_and_html():
    source = ("# Titre\n\nDu **gras**, du _souligné_ et [un lien](http://x.org) ![une image](a.png)\n"
              "<div class=\"x\">html &amp; entités</div>\n\n- item\n> citation\n\n```\ncode\n```\n"
              "| a | b |\n|---|---|\n<script>alert(1)</script>")
    assert plain_text(source) == "Titre Du gras, du souligné et un lien une image html & entités item citation code a b"
    assert plain_text("") == "" and plain_text(None) == ""


@pytest.fixture(scope="module")
def shared_ix(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("hyp"))
    index.rebuild(doc(f"p{i}", f"Page {i} verger", f"Le verger {i} et la haie <b>bocagère</b>.") for i in range(30))
    yield index
    index.close()


QUERY_CHARS = st.sampled_from(list('abé É"\'*?()[]{}:^~+-!/\\<>&AND OR NOT TO title:text:kind:updated:') + ["\x00", "\u2028"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(st.text(max_size=120), st.text(QUERY_CHARS, max_size=60)),
       page=st.integers(-5, 5), kinds=st.none() | st.lists(st.sampled_from(["page", "entry", ""]), max_size=2))
def test_random_queries_never_raise(shared_ix, query, page, kinds):
    results = shared_ix.search(query, page=page, kinds=kinds)
    assert results.total >= len(results.hits) and results.page >= 1
    for hit in results.hits:
        assert "<" not in re.sub(r"</?mark>", "", hit.excerpt)


# --- fast ranking (wiki.search.ranking) against whoosh's matchers ------------------------------------

RANK_WORDS = ["verger", "vergers", "Verger", "haie", "haies", "pomme", "pommes", "pommier", "bocage", "bocagère",
              "mare", "mares", "été", "prairie", "four", "moulin", "lavoir", "sentier", "école", "écoles", "cœur",
              "oeuvre", "chevaux", "cheval", "le", "de"]


def _random_docs(rng, count, prefix="d", sizes=(0, 3, 10, 40)):
    return [doc(f"{prefix}{i}", " ".join(rng.choices(RANK_WORDS, k=rng.randint(0, 4))),
                " ".join(rng.choices(RANK_WORDS, k=rng.choice(sizes))), kind=rng.choice(["page", "entry"]))
            for i in range(count)]


def _build_ranked_index(path, big):
    """A rebuilt segment (over 5000 docs if ``big``: whoosh's Or then sums in a tree, not in query
    order), then single adds (several smaller segments), removals and replacements (deletions)."""
    import random
    rng = random.Random(11)
    index = SearchIndex(path)
    index.rebuild(_random_docs(rng, 5100, sizes=(0, 2, 5)) if big else _random_docs(rng, 250))
    for d in _random_docs(rng, 40, prefix="n"):
        index.add(d)
    for i in range(0, 250, 7):
        index.remove(f"d{i}")
    for d in _random_docs(rng, 30)[::3]:
        index.add(d)  # replaces d0, d3...: deletes in the big segment
    return index


@pytest.fixture(scope="module")
def ranked_ix(tmp_path_factory):
    index = _build_ranked_index(tmp_path_factory.mktemp("ranked"), big=False)
    yield index
    index.close()


@pytest.fixture(scope="module")
def big_ranked_ix(tmp_path_factory):
    index = _build_ranked_index(tmp_path_factory.mktemp("bigranked"), big=True)
    yield index
    index.close()


def _compare_with_whoosh(index, text, kinds, n, pruned=True):
    from whoosh import query as Q
    from wiki.search.ranking import fast_terms
    searcher = index._fresh()
    assert len(searcher.subsearchers or []) > 1 and any(s.reader().has_deletions() for s, _ in searcher.subsearchers)
    q, _ = index._parse(text)
    leaves = fast_terms(q) if q is not None else None
    if leaves is None:
        return False
    kfilter = Q.Or([Q.Term("kind", k) for k in kinds]) if kinds else None
    top, total = index._ranker.rank(searcher, leaves, kinds, n)
    everything = searcher.search(q, limit=None, filter=kfilter)
    assert top == everything.top_n[:n] and total == len(everything)  # same floats, same order
    if pruned:  # what SearchIndex asked whoosh for: the same, with block-max pruning
        assert top == searcher.search(q, limit=n, filter=kfilter).top_n
    return True


QUERY_WORDS = st.sampled_from(RANK_WORDS + ["mobilite", "absent", "HAIE", "title:verger", "text:haie", "four^2",
                                            "title:Pomme^3", "vergers^0.5"])
KINDS = st.sampled_from([[], ["page"], ["entry"], ["entry", "page"], ["nothing"]])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(QUERY_WORDS, min_size=1, max_size=6), kinds=KINDS, n=st.integers(1, 80))
def test_fast_ranking_gives_whooshs_scores_order_and_totals(ranked_ix, words, kinds, n):
    _compare_with_whoosh(ranked_ix, " ".join(words), kinds, n)


def test_fast_ranking_on_a_segment_of_over_5000_docs(big_ranked_ix):
    import random
    rng = random.Random(3)
    compared = 0
    for _ in range(12):
        words = rng.sample(RANK_WORDS, rng.randint(2, 5))
        compared += _compare_with_whoosh(big_ranked_ix, " ".join(words), rng.choice([[], ["entry"]]),
                                         rng.choice([1, 20, 300]), pruned=False)
    assert compared >= 8


def test_search_gives_the_same_pages_with_and_without_the_fast_path(ranked_ix, monkeypatch):
    queries = ["verger", "haie pomme", "écoles cœur oeuvre", "cheval chevaux mare", "title:haie", "absent"]
    fast = [ranked_ix.search(q, limit=10, page=p, kinds=k) for q in queries for p in (1, 3) for k in ([], ["entry"])]
    monkeypatch.setattr(search_index, "fast_terms", lambda q: None)
    ranked_ix._ranked.clear()
    slow = [ranked_ix.search(q, limit=10, page=p, kinds=k) for q in queries for p in (1, 3) for k in ([], ["entry"])]
    assert fast == slow and any(r.hits for r in fast)


def test_other_query_shapes_stay_on_whoosh(ix):
    from whoosh import query as Q
    from wiki.search.ranking import fast_terms
    ix.add(doc("a", "Four à pain", "Le four banal du moulin."))
    for text in ['"four banal"', "four NOT moulin", "four AND moulin", "mouli*", "kind:page", "f?ur"]:
        q, _ = ix._parse(text)
        assert fast_terms(q) is None, text
    assert fast_terms(Q.Or([Q.Term("title", "four"), Q.Term("text", "four")], scale=0.9)) is None
    assert fast_terms(ix._parse("four moulin")[0]) is not None
    assert fast_terms(ix._parse("(four moulin)^2")[0]) is not None  # boosts end up on the terms
    assert names(ix.search("four NOT moulin")) == [] and names(ix.search("mouli*")) == ["a"]


def test_ranker_cache_stays_bounded_and_forgets_merged_segments(tmp_path):
    from wiki.search.ranking import Ranker
    index = SearchIndex(tmp_path / "ix")
    index._ranker = Ranker(max_bytes=20_000)
    index.rebuild(doc(f"p{i}", f"Page {i}", " ".join(RANK_WORDS[j % len(RANK_WORDS)] for j in range(i, i + 30)))
                  for i in range(400))
    for word in RANK_WORDS:
        index.search(word)
        assert index._ranker._bytes <= 20_000
    old = {key[0] for key in index._ranker._cache}
    index.rebuild([doc("solo", "Solo", "Le verger.")])
    assert names(index.search("verger")) == ["solo"]
    assert not old & {key[0] for key in index._ranker._cache}
    index.close()


def test_postings_are_read_like_whooshs_matchers(ranked_ix, monkeypatch):
    from wiki.search import postings
    reader = ranked_ix._fresh().reader().leaf_readers()[0][0]

    def whoosh_postings(field, btext):
        m = reader._terms.matcher(field, btext, reader.schema[field].format)
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return ids, weights
    checked = 0
    for field in ("title", "text", "kind"):
        for btext in reader.lexicon(field):
            ids, weights = postings.postings(reader, field, btext)
            assert (list(ids), list(weights)) == whoosh_postings(field, btext)
            checked += len(ids) > 128  # several blocks
    assert checked and postings.postings(reader, "text", b"absent") is None
    monkeypatch.setattr(postings, "_POSITIONS", b"never there")  # the fallback: whole blocks
    ids, weights = postings.postings(reader, "text", b"verg")
    assert (list(ids), list(weights)) == whoosh_postings("text", b"verg")


# --- excerpts (wiki.search.excerpts) ------------------------------------------------------------------

# Not "İ": its lowercase is "i" + a combining dot, which the tokenizer splits off and the highlighter
# keeps in the word, so the two disagree by one character on where a mark ends (harmless: only the
# <mark> span of such a word differs; seen by hypothesis on PostgreSQL's run).
TRICKY = "aeiouyéèêëàâäîïôöùûüçÿæœÆŒßÉÈÀÇÎÔBCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxzΣσЖж0123456789_"
SUFFIXES = ["", "s", "e", "es", "ment", "ements", "ation", "ateur", "atrice", "ité", "ique", "eux", "euse", "aux",
            "eaux", "ance", "ence", "amment", "emment", "logie", "usion", "ier", "ière", "abilité", "icité", "ivité",
            "if", "ive", "issement", "issant", "erions", "eraient", "èrent", "y", "ée", "it", "ir"]
SEPARATORS = [" ", " ", ", ", ". ", "'", "’", "-", ".", "..", " (", ") ", "\n"]
TRICKY_WORDS = st.builds(lambda w, s, case: getattr(w + s, case)(), st.text(TRICKY, min_size=1, max_size=7),
                         st.sampled_from(SUFFIXES), st.sampled_from(["lower", "upper", "capitalize", "strip"]))
TRICKY_TEXTS = st.lists(st.tuples(TRICKY_WORDS, st.sampled_from(SEPARATORS)), min_size=1, max_size=30).map(
    lambda parts: "".join(w + s for w, s in parts))


@settings(max_examples=400, deadline=None)
@given(text=TRICKY_TEXTS, pick=st.lists(st.integers(0, 1000), min_size=1, max_size=3))
def test_excerpt_matches_are_exactly_the_tokens_whoosh_indexes_for_the_terms(text, pick):
    """Candidates are found by spelling (accents, case, ligatures, dotted tokens, stems that rewrite
    word ends): none of the tokens that analyse to a term may be missed, nor anything else marked."""
    from wiki.search.analysis import ANALYZER, FOLD
    from wiki.search.excerpts import Highlighter
    tokens = [(t.startchar, t.endchar, t.text) for t in ANALYZER(text, chars=True)]
    if not tokens:
        return
    terms = frozenset(tokens[i % len(tokens)][2] for i in pick)
    assert Highlighter(ANALYZER, FOLD).matches(text, terms, limit=10**6) == [t for t in tokens if t[2] in terms]


def test_excerpt_windows_cut_at_words_and_mark_every_shown_match(ix):
    filler = " ".join(f"mot{i}" for i in range(300))
    text = f"Début. {filler} la haie et le verger, puis la haie encore. {filler} un verger isolé. {filler} fin"
    ix.add(doc("w", "W", text))
    excerpt = ix.search("haie verger").hits[0].excerpt
    assert excerpt.startswith("… ") and excerpt.endswith(" …") and excerpt.count(" … ") == 1
    shown = re.sub(r"</?mark>", "", excerpt)
    assert re.fullmatch(r"… (?:mot\d+ )+la haie et le verger, puis la haie encore\. (?:mot\d+ ?)+ … "
                        r"(?:mot\d+ )+un verger isolé\. (?:mot\d+ ?)+ …", shown), shown
    assert excerpt.count("<mark>haie</mark>") == 2 and excerpt.count("<mark>verger</mark>") == 2
    assert all(len(part) <= 270 for part in shown.split(" … "))


def test_excerpt_finds_matches_past_the_first_chunk_and_folds_accents_and_case(ix):
    ix.add(doc("late", "Late", "Rien. " * 2000 + "La MOBILITÉ douce et les Mobilités partagées."))
    excerpt = ix.search("mobilite").hits[0].excerpt
    assert "<mark>MOBILITÉ</mark>" in excerpt and "<mark>Mobilités</mark>" in excerpt
    assert excerpt.startswith("… ") and excerpt.endswith("partagées.")


def test_excerpt_marks_ligatures_and_ignores_dotted_tokens(ix):
    ix.add(doc("lig", "Lig", "Un cœur de village, son Œuvre, et www.oeuvre.org (pas un mot)."))
    excerpt = ix.search("oeuvre coeur").hits[0].excerpt
    assert "<mark>cœur</mark>" in excerpt and "<mark>Œuvre</mark>" in excerpt
    assert "www.oeuvre.org" in excerpt and "<mark>oeuvre</mark>" not in excerpt


EXCERPT_WORDS = st.sampled_from(["haie", "Haies", "HAIE", "verger", "vergers", "Vergers", "mobilité", "Mobilités",
                                 "le", "la", "prairie", "pré", "mot", "haïe", "vergé", "(haie)", "haie,", "l'haie"])


@settings(max_examples=150, deadline=None)
@given(words=st.lists(EXCERPT_WORDS, min_size=1, max_size=700),
       query=st.sampled_from(["haie", "verger mobilite", "haie pré"]))
def test_excerpt_marks_every_shown_occurrence_and_nothing_else(words, query):
    import html as html_module
    from wiki.search.analysis import ANALYZER, FOLD
    from wiki.search.excerpts import Highlighter
    text = " ".join(words)
    terms = frozenset(t.text for t in ANALYZER(query))
    excerpt = Highlighter(ANALYZER, FOLD).excerpt(text, terms)
    parts = re.split(r"<mark>(.*?)</mark>", excerpt)
    assert "<" not in "".join(parts[::2])
    assert all(t.text in terms for p in parts[1::2] for t in ANALYZER(html_module.unescape(p)))
    assert not any(t.text in terms for p in parts[::2] for t in ANALYZER(html_module.unescape(p)))
    shown = re.sub(r"</?mark>", "", excerpt)
    assert len(shown) <= 2 * 270 + 5 and (parts[1:] or not any(t.text in terms for t in ANALYZER(text)))


def test_excerpt_marks_matches_past_those_it_chose_windows_from():
    from wiki.search.analysis import ANALYZER, FOLD
    from wiki.search.excerpts import CHUNK, MAX_MATCHES, Highlighter
    highlighter, terms = Highlighter(ANALYZER, FOLD), frozenset({"hai", "verg"})
    dense = "haie " * 3 * MAX_MATCHES  # more matches in the first window than windows are made from
    excerpt = highlighter.excerpt(dense, terms)
    assert excerpt.count("<mark>haie</mark>") == re.sub(r"</?mark>", "", excerpt).count("haie") > MAX_MATCHES
    filler = "mot " * ((CHUNK - 60) // 4)
    edge = f"haie {filler}verger " + "pré " * 15 + "haie pré " + filler * 3  # that "haie" is past the first chunk
    assert edge.index("haie pré") > CHUNK
    excerpt = highlighter.excerpt(edge, terms)
    assert excerpt.count("<mark>haie</mark>") == re.sub(r"</?mark>", "", excerpt).count("haie") == 2
