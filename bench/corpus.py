"""Seeded French-ish wiki text for the benchmark: pages about mobility, tiers-lieux, farming...

Each page has a main theme whose nouns are drawn Zipf-weighted, so a query word matches a
realistic share of pages (not all of them, as a tiny uniform vocabulary would).
"""
import itertools
import random
import unicodedata

THEMES = [t.split() for t in (
    "mobilité covoiturage navette vélo autopartage transport gare autocar chemin sentier route piéton "
    "trottinette parking halte ligne horaire trajet déplacement permis voiture",
    "tiers-lieu atelier fablab café associatif recyclerie ressourcerie coworking imprimante outil "
    "réparation bricolage couture permanence adhérent bar concert scène résidence",
    "agriculture maraîchage élevage verger ferme prairie haie bocage semences maïs blé orge "
    "agriculteur vache brebis pâturage installation foncier irrigation récolte",
    "alimentation marché producteur cantine AMAP coopérative épicerie circuit légume fromage "
    "pain boulangerie conserverie abattoir restauration repas panier vrac",
    "logement rénovation énergie chaufferie isolation photovoltaïque éolienne méthanisation "
    "habitat bâtiment chantier toiture chauffage bois-énergie sobriété facture",
    "patrimoine église lavoir moulin fête festival bibliothèque musée chorale théâtre randonnée "
    "mémoire archives château calvaire exposition artiste conte danse",
    "santé médecin maison infirmière pharmacie école collège jeunesse crèche aîné Ehpad "
    "accompagnement aidant handicap insertion emploi formation apprentissage mission",
    "forêt rivière étang eau paysage marais biodiversité oiseau arbre mare compost déchet "
    "tri jardin potager friche inventaire sécheresse inondation climat",
    "commune hameau bourg village intercommunalité département région élu conseil budget "
    "concertation démarche réunion délibération subvention appel convention gouvernance charte")]
COMMON = "projet habitant association territoire bénévole réseau initiative groupe année idée".split()
ADJS = ("solidaire partagé local rural durable collectif participatif communal agricole "
        "biologique écologique numérique accessible doux quotidien régional nouveau ancien "
        "petit grand ouvert public intergénérationnel saisonnier citoyen humide coopératif "
        "itinérant mutualisé gratuit associatif expérimental départemental historique estival "
        "hivernal bocager forestier fluvial paysan artisanal culturel sportif familial scolaire "
        "touristique municipal intercommunal sobre mobile solaire vivant engagé bénévole").split()
NOUNS = sorted({w for t in THEMES for w in t})
VERBS = ("accueille propose relie organise soutient développe rassemble anime favorise "
         "facilite prolonge transforme valorise accompagne construit ouvre").split()
PLACES = ("Redon Lormes Guémené-Penfao Saint-Nicolas-de-Redon Bains-sur-Oust Allaire Pipriac "
          "Corbigny Château-Chinon Montsauche Brassy Avallon Clamecy Ploërmel Malestroit").split()
DETS = "le la les un une ce notre chaque".split()
PREPS = "à près de autour de entre dans avec pour depuis vers".split()
HEADS = ("Histoire Fonctionnement Horaires Contacts Projets Partenaires Financement Calendrier "
         "Bilan Perspectives Accès Tarifs Témoignages Ressources Gouvernance Activités").split()


class Words:
    """A page's word source: mostly its main theme (Zipf-weighted), some of a second one, common words."""

    def __init__(self, rng, theme=None):
        self.rng = rng
        self.main = THEMES[rng.randrange(len(THEMES)) if theme is None else theme]
        self.second = rng.choice(THEMES)

    def noun(self):
        x = self.rng.random()
        pool = self.main if x < 0.75 else self.second if x < 0.82 else COMMON
        return self.rng.choices(pool, cum_weights=_ZIPF[len(pool)])[0]

    def adj(self):
        return self.rng.choices(ADJS, cum_weights=_ZIPF[len(ADJS)])[0]


_ZIPF = {n: list(itertools.accumulate(1 / (i + 1) for i in range(n))) for n in {len(t) for t in THEMES + [COMMON, ADJS]}}


def np_(w):
    return f"{w.rng.choice(DETS)} {w.noun()}" + (f" {w.adj()}" if w.rng.random() < 0.4 else "")


def sentence(w, link=None):
    rng = w.rng
    s = f"{np_(w)} {rng.choice(VERBS)} {link or np_(w)} {rng.choice(PREPS)} {rng.choice(PLACES)}"
    if rng.random() < 0.5:
        s += f", {rng.choice(PREPS)} {np_(w)} {w.adj()}"
    return s[0].upper() + s[1:] + "."


def make_title(rng, theme):
    return f"{rng.choice(THEMES[theme][:10]).capitalize()} {rng.choice(ADJS)} {rng.choice(['à', 'de', 'vers'])} {rng.choice(PLACES)}"


def make_page(rng, title, theme, targets, words, n_links, table):
    """Markdown of about `words` words: title, intro, sections (## and ###), lists, links, maybe a table."""
    n_sent, w = max(4, words // 12), Words(rng, theme)
    link_at = set(rng.sample(range(n_sent), min(n_links, n_sent)))
    sents = [sentence(w, link=targets(rng) if i in link_at else None) for i in range(n_sent)]
    blocks, i = [f"# {title}", " ".join(sents[:3])], 3
    n_sections = max(2, words // 120)
    per = max(1, (n_sent - 3) // n_sections)
    for k in range(n_sections):
        part, i = sents[i:i + per] if k < n_sections - 1 else sents[i:], i + per
        blocks.append(f"{'###' if k and rng.random() < 0.25 else '##'} {rng.choice(HEADS)} {k + 1}")
        if len(part) >= 4 and rng.random() < 0.5:
            cut = len(part) // 2
            blocks += [" ".join(part[:cut]), "\n".join(f"- {s}" for s in part[cut:])]
        else:
            blocks.append(" ".join(part))
        if table and k == 0:
            rows = [f"| {rng.choice(PLACES)} | {rng.choice(NOUNS)} {rng.choice(ADJS)} | {rng.randint(1, 300)} |"
                    for _ in range(rng.randint(3, 6))]
            blocks.append("\n".join(["| Lieu | Initiative | Participants |", "|---|---|--:|", *rows]))
    return "\n\n".join(blocks) + "\n"


def generate(n, seed=42):
    """{name: source} for n pages; pages[0] is the 'typical' page (TOC, ~500 words, ~10 links, a table)."""
    from wiki.names import to_name
    rng = random.Random(seed)
    titles, themes, names, suffixed = {}, {}, [], set()
    while len(names) < n:
        themes_i = len(names) % len(THEMES)
        t = make_title(rng, themes_i)
        name = to_name(t)
        if name in titles:
            name = f"{name}-{len(names)}"
            suffixed.add(name)
        titles[name], themes[name] = t, themes_i
        names.append(name)

    def target(r):
        if r.random() < 0.05:   # wanted pages: a link to a page nobody wrote yet
            return f"[[{make_title(r, 0)} (à créer)]]"
        nm = r.choice(names)
        return f"[[{nm}|{titles[nm].lower()}]]" if nm in suffixed else f"[[{titles[nm]}]]"

    pages = {}
    for k, nm in enumerate(names):
        if k == 0:
            pages[nm] = make_page(rng, titles[nm], themes[nm], target, 500, 10, True)
        else:
            w = rng.randint(200, 800)
            pages[nm] = make_page(rng, titles[nm], themes[nm], target, w, max(1, w // 50 + rng.randint(-2, 2)),
                                  rng.random() < 0.25)
    return pages


def edit(source, rng):
    """The same page with its intro paragraph (the block after the title) rewritten."""
    blocks = source.split("\n\n")
    blocks[1] = " ".join(sentence(Words(rng)) for _ in range(3))
    return "\n\n".join(blocks)


def queries(n, seed=7):
    """n distinct 1-3 word queries (no result cache can help): topic nouns, sometimes with an
    adjective; half typed without accents."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        theme = rng.choice(THEMES)
        words = rng.sample(theme, rng.choice((1, 1, 2, 2, 3)))
        if rng.random() < 0.3:
            words.insert(1, rng.choice(ADJS))
        q = " ".join(words[:3])
        if rng.random() < 0.5:
            q = "".join(c for c in unicodedata.normalize("NFD", q) if unicodedata.category(c) != "Mn")
        if q not in out:
            out.append(q)
    return out
