"""Many people saving the same page at once: every change lands, none is lost."""
import threading

from wiki.content.pages import save_page
from wiki.db import database
from wiki.models import Page, Revision


def test_parallel_saves_of_different_lines_all_land(app):
    lines = [f"Ligne {i} : rien." for i in range(8)]
    with app.test_request_context():
        base = save_page("tableau", "\n".join(lines) + "\n").revision.id
    errors = []

    def editor(i):
        try:
            with app.test_request_context():
                mine = list(lines)
                mine[i] = f"Ligne {i} : modifiée par la personne {i}."
                save_page("tableau", "\n".join(mine) + "\n", base_revision=base, author=f"p{i}")
                database.close()
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(0, 8, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with app.app_context():
        page = Page.get(Page.name == "tableau")
        final = Revision.get_by_id(page.revision).source
        numbers = [r.number for r in Revision.select().where(Revision.page == page).order_by(Revision.number)]
    for i in range(0, 8, 2):
        assert f"modifiée par la personne {i}." in final
    assert numbers == list(range(1, len(numbers) + 1))
