"""The admin's pages: signing in with a username and password, the moderation queue, the form and list
editors. The real app and database, the real HTML forms with their CSRF tokens."""
import logging
import os
import re
import tomllib
from html import unescape

import pytest

from conftest import ROBOT_PASSWORD, robot_token, csrf_token, sign_in
from tests_helpers import form_state, make_page, territory
from wiki.fiches import entries
from wiki.fiches.forms import DEFAULTS
from wiki.accounts.models import Account
from wiki.accounts.service import set_password
from wiki.models import ApiToken, Page, Revision

MODERATED_AGENDA = (DEFAULTS / "forms" / "agenda.toml").read_text(encoding="utf-8").replace(
    "moderation = false", "moderation = true")

GET_ROUTES = ["/admin", "/admin/moderation", "/admin/formulaires", "/admin/formulaires/initiatives",
              "/admin/listes"]
POST_ROUTES = ["/admin/moderation/troc-de-graines/approve", "/admin/moderation/troc-de-graines/reject", "/admin/formulaires",
               "/admin/formulaires/initiatives", "/admin/listes"]


@pytest.fixture
def instance_dir(tmp_path):
    path = territory(tmp_path)
    (path / "forms").mkdir()
    (path / "forms" / "agenda.toml").write_text(MODERATED_AGENDA, encoding="utf-8")
    return path


def html_of(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:800])
    return r.get_data(as_text=True)


# -- signing in --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", GET_ROUTES)
def test_admin_pages_send_strangers_to_sign_in_and_json_clients_get_401(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/connexion?next=")
    assert client.get(r.headers["Location"]).status_code == 200
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 401 and "error" in r.get_json()


@pytest.mark.parametrize("path", POST_ROUTES)
def test_admin_actions_refuse_strangers_even_with_a_valid_csrf_token(client, instance_dir, path, waiting, app):
    lists_before = (instance_dir / "lists.toml").read_text(encoding="utf-8")
    r = client.post(path, data={"csrf_token": csrf_token(client, "/connexion"), "id": "nouveau",
                                "name": "Nouveau", "values": "a", "toml": "x"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/connexion")
    r = client.post(path, data={"csrf_token": csrf_token(client, "/connexion")},
                    headers={"Accept": "application/json"})
    assert r.status_code == 401
    assert not (instance_dir / "forms" / "nouveau.toml").exists()
    assert not (instance_dir / "forms" / "initiatives.toml").exists()
    assert (instance_dir / "lists.toml").read_text(encoding="utf-8") == lists_before
    assert sorted(_pending_names(app)) == sorted(waiting)


def test_a_wrong_password_does_not_sign_in(en, token):
    for login, password in (("robot", ROBOT_PASSWORD + "x"), ("robot", ""), ("nobody", ROBOT_PASSWORD),
                            ("ROBOT", ROBOT_PASSWORD[:-1])):
        r = sign_in(en, login, password)
        assert r.status_code == 403, login
        assert "Wrong username or password." in r.get_data(as_text=True)   # the same for both
    assert en.get("/admin").status_code == 302
    with en.session_transaction() as session:
        assert "account" not in session


def test_sign_in_clears_the_session_and_sign_out_ends_it(app, en, token):
    with en.session_transaction() as session:
        session["author"] = "Planted"
        session["something"] = "set by someone else"
    r = sign_in(en, "Robot", next_url="/admin/moderation")      # usernames: whatever the case
    assert r.status_code == 302 and r.headers["Location"] == "/admin/moderation"
    with app.app_context():
        robot = Account.get(Account.name_key == "robot")
    with en.session_transaction() as session:
        assert "something" not in session and "author" not in session
        assert list(session["account"]) == [robot.id, robot.session_key]
        assert ROBOT_PASSWORD not in str(dict(session)) and robot.password not in str(dict(session))
    html = html_of(en, "/admin")
    assert "Administration" in html and "Moderation queue" in html
    assert 'class="admin-link"' in html_of(en, "/recent")
    # signing out is a POST with its CSRF token
    assert en.post("/deconnexion").status_code == 400
    assert en.get("/admin").status_code == 200
    r = en.post("/deconnexion", data={"csrf_token": csrf_token(en, "/admin")})
    assert r.status_code == 302
    assert en.get("/admin").status_code == 302
    assert 'class="admin-link"' not in html_of(en, "/recent")


def test_a_session_cookie_from_before_sign_in_is_not_the_one_after(app, en, token):
    """Session fixation: a cookie someone planted before sign-in does not become signed in."""
    en.get("/connexion")
    with en.session_transaction() as session:
        session["planted"] = "x"
    planted = en.get_cookie("session").value
    sign_in(en)
    assert en.get_cookie("session").value != planted
    stranger = app.test_client()
    stranger.set_cookie("session", planted)
    assert stranger.get("/admin").status_code == 302       # the planted cookie is still nobody's


def test_next_only_leads_within_the_site(en, token):
    for target in ("//evil.example/x", "https://evil.example/", "/\t/evil.example", "/\\evil.example",
                   "javascript:alert(1)", "/\r\nLocation: https://evil.example/"):
        r = sign_in(en, next_url=target)
        assert r.status_code == 302 and r.headers["Location"] == "/", target
    r = sign_in(en, next_url="/wiki/accueil?x=1")
    assert r.headers["Location"] == "/wiki/accueil?x=1"


def test_the_sign_in_page_keeps_the_next_address(client):
    location = client.get("/admin/formulaires/lieux").headers["Location"]
    assert location == "/connexion?next=/admin/formulaires/lieux"
    assert 'name="next" value="/admin/formulaires/lieux"' in client.get(location).get_data(as_text=True)
    assert client.get("/admin/connexion?next=/admin/listes").headers["Location"] == "/connexion?next=/admin/listes"


def test_a_disabled_account_or_a_changed_password_ends_the_session_at_the_next_request(app, admin):
    assert admin.get("/admin").status_code == 200
    with app.app_context():
        Account.update(status="disabled").where(Account.name_key == "robot").execute()
    assert admin.get("/wiki/accueil").status_code in (200, 404)
    with admin.session_transaction() as session:
        assert "account" not in session
    assert admin.get("/admin").status_code == 302
    r = sign_in(admin)
    assert r.status_code == 403 and "This account is disabled." in r.get_data(as_text=True)
    with app.app_context():
        Account.update(status="active").where(Account.name_key == "robot").execute()
    assert sign_in(admin).status_code == 302 and admin.get("/admin").status_code == 200
    with app.app_context():              # the password changed elsewhere (a reset, the CLI)
        set_password(Account.get(Account.name_key == "robot"), "un-autre-mot-de-passe")
    assert admin.get("/admin").status_code == 302


def test_a_revoked_token_or_a_disabled_account_s_token_is_refused(app, client, token):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    assert client.get("/admin", headers=headers).status_code == 200
    with app.app_context():
        Account.update(status="disabled").where(Account.name_key == "robot").execute()
    assert client.get("/admin", headers=headers).status_code == 401
    with app.app_context():
        Account.update(status="active").where(Account.name_key == "robot").execute()
        ApiToken.update(revoked=True).execute()
    assert client.get("/admin", headers=headers).status_code == 401


def test_failed_attempts_are_slowed_down(en, token):
    for _ in range(5):
        assert sign_in(en, "robot", "wrong-password").status_code == 403
    r = sign_in(en)            # even the right password must wait now
    assert r.status_code == 429
    assert "Too many failed attempts" in r.get_data(as_text=True)
    assert en.get("/admin").status_code == 302


def test_an_admin_never_gets_or_leaves_a_cached_page(client, token):
    make_page(client, "accueil")
    anonymous = html_of(client, "/wiki/accueil")
    assert 'class="admin-link"' not in anonymous
    sign_in(client)
    r = client.get("/wiki/accueil")
    assert 'class="admin-link"' in r.get_data(as_text=True) and "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "private, no-store"
    other = client.application.test_client()
    assert 'class="admin-link"' not in html_of(other, "/wiki/accueil")


def test_csrf_is_checked_on_admin_forms(admin, instance_dir):
    r = admin.post("/admin/formulaires/initiatives", data={"action": "save", "name": "X", "fields": "0"})
    assert r.status_code == 400
    r = admin.post("/admin/moderation/troc/approve")
    assert r.status_code == 400
    assert not (instance_dir / "forms" / "initiatives.toml").exists()


# -- the moderation queue ----------------------------------------------------------------------
@pytest.fixture
def waiting(within):
    with within():
        form = entries.catalogue().form("agenda")
        for title, author in (("Troc de graines", "Maëlle"), ("Bal <b>folk</b>", "")):
            entries.save_entry(form, {"titre": title, "dates": {"debut": "2027-04-03"}, "commune": "Redon"},
                               status="pending", author=author)
    return ["troc-de-graines", "bal-b-folk-b"]


def test_the_queue_lists_pending_fiches_and_approving_publishes_one(admin, client, waiting, app):
    html = html_of(admin, "/admin")
    assert "2 fiches waiting" in html
    html = html_of(admin, "/admin/moderation")
    assert "Troc de graines" in html and "Maëlle" in html and "Events" in html
    assert "Bal &lt;b&gt;folk&lt;/b&gt;" in html and "<b>folk" not in html
    names = re.findall(r'action="/admin/moderation/([a-z0-9-]+)/approve"', html)
    assert sorted(names) == sorted(_pending_names(app))
    # a visitor sees nothing of them; the admin can read them before deciding
    visitor = app.test_client()
    assert "Troc de graines" not in html_of(visitor, "/fiches/agenda")
    assert "Redon" not in html_of(visitor, "/wiki/troc-de-graines").split("<main", 1)[1].split("</article>")[0]
    assert "Redon" in html_of(admin, "/wiki/troc-de-graines")
    r = admin.post("/admin/moderation/troc-de-graines/approve", data={"csrf_token": csrf_token(admin, "/admin")})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/moderation"
    assert "The fiche is published." in html_of(admin, "/admin/moderation")
    assert "Troc de graines" in html_of(visitor, "/fiches/agenda")
    assert "1 fiche waiting" in html_of(admin, "/admin")


def _pending_names(app):
    with app.test_request_context():
        return [row["page"].name for row in entries.pending()]


def test_refusing_moves_the_fiche_to_the_trash_with_the_reason(admin, waiting, app):
    name = _pending_names(app)[0]
    r = admin.post(f"/admin/moderation/{name}/reject",
                   data={"csrf_token": csrf_token(admin, "/admin"), "reason": "Publicité <script>"})
    assert r.status_code == 302
    with app.app_context():
        page = Page.get(Page.name == name)
        assert page.deleted is not None
        last = Revision.get(Revision.id == page.revision)
        assert last.action == "delete" and last.comment == "Refused by a moderator: Publicité <script>"
        assert last.author == "robot"            # the moderator who refused it
    assert name not in _pending_names(app)
    trash = html_of(admin, "/trash")
    assert f"/wiki/{name}/history" in trash
    # approving or refusing it again does nothing
    admin.post(f"/admin/moderation/{name}/approve", data={"csrf_token": csrf_token(admin, "/admin")})
    with app.app_context():
        assert Page.get(Page.name == name).deleted is not None


def test_a_published_fiche_cannot_be_refused_from_the_queue(admin, add, app):
    name = add("initiatives", titre="Vélo-école")
    r = admin.post(f"/admin/moderation/{name}/reject", data={"csrf_token": csrf_token(admin, "/admin")})
    assert r.status_code == 302
    assert "This fiche was not waiting for moderation." in html_of(admin, "/admin/moderation")
    with app.app_context():
        assert Page.get(Page.name == name).deleted is None


# -- the form editor ---------------------------------------------------------------------------
def editor_state(html, form_id):
    """What the structured editor sends back, as a browser would (without the TOML form)."""
    start = html.index(f'<form method="post" action="/admin/formulaires/{form_id}" class="edit-form admin-form">')
    state = form_state(html[start:html.index("</form>", start)])
    return {k: v for k, v in state.items() if v}


def post_editor(client, form_id, state, action, status=None, **changes):
    data = {**state, **changes, "action": action}
    r = client.post(f"/admin/formulaires/{form_id}", data=data)
    if status is not None:
        assert r.status_code == status, r.get_data(as_text=True)[:1500]
    return r


def test_adding_a_field_shows_it_in_the_fiche_form_and_the_api(admin, client, app, instance_dir):
    html = html_of(admin, "/admin/formulaires/initiatives")
    state = editor_state(html, "initiatives")
    assert state["f0-id"] == ["titre"] and 'name="f0-id" value="titre"' in html
    assert 'id="f0-id"' not in html            # an existing field's id cannot be typed over
    html = post_editor(admin, "initiatives", state, "add", 200).get_data(as_text=True)
    assert "Nothing is saved yet" in html
    state = editor_state(html, "initiatives")
    n = int(state["fields"][0]) - 1
    assert f'id="f{n}-id"' in html
    r = post_editor(admin, "initiatives", state, "save", 302, **{
        f"f{n}-id": "public_vise", f"f{n}-type": "choice", f"f{n}-list": "themes",
        f"f{n}-label": "Public visé", f"f{n}-label_en": "Audience", f"f{n}-help": "Pour qui ?"})
    assert r.headers["Location"] == "/admin/formulaires/initiatives"
    saved = tomllib.loads((instance_dir / "forms" / "initiatives.toml").read_text(encoding="utf-8"))
    assert saved["fields"][-1] == {"id": "public_vise", "type": "choice", "label": "Public visé",
                                   "label_en": "Audience", "help": "Pour qui ?", "required": False,
                                   "private": False, "list": "themes"}
    assert [f["id"] for f in saved["fields"][:-1]] == [f.id for f in _default("initiatives").fields]
    assert saved["fields"][7]["private"] is True          # the contact e-mail stays private
    assert 'name="f-public_vise"' in html_of(client, "/fiches/initiatives/new")
    fields = client.get("/api/forms/initiatives?lang=en").get_json()["fields"]
    assert fields[-1]["id"] == "public_vise" and fields[-1]["label"] == "Audience"
    assert "Agriculture" in fields[-1]["choices"]
    # the new field is a facet of the list once a fiche uses it
    with app.test_request_context():
        entries.save_entry(entries.catalogue().form("initiatives"), {"titre": "Ferme", "public_vise": "Agriculture"})
    assert "Agriculture" in html_of(client, "/fiches/initiatives").split('class="facets"', 1)[-1]


def _default(form_id):
    from wiki.fiches.forms import _read, parse_form
    return parse_form(_read(DEFAULTS / "forms" / f"{form_id}.toml"))


def test_moving_and_removing_fields_and_the_previous_version_is_kept(admin, add, instance_dir, app):
    add("initiatives", titre="Vélo-école", porteur="L'asso")
    state = editor_state(html_of(admin, "/admin/formulaires/initiatives"), "initiatives")
    html = post_editor(admin, "initiatives", state, "down-0", 200).get_data(as_text=True)
    state = editor_state(html, "initiatives")
    assert state["f1-id"] == ["titre"] and state["f0-id"] == ["description"]
    html = post_editor(admin, "initiatives", state, "remove-2", 200).get_data(as_text=True)
    assert "The field “porteur” has values in 1 fiche:" in html
    state = editor_state(html, "initiatives")
    post_editor(admin, "initiatives", state, "save", 302)
    html = html_of(admin, "/admin/formulaires/initiatives")
    assert "Removed fields with values: Run by (1)." in html
    assert [f.id for f in _form(app, "initiatives").fields][:3] == ["description", "titre", "themes"]
    assert not list((instance_dir / "forms" / ".history").glob("*"))     # the built-in one was not lost
    state = editor_state(html, "initiatives")
    post_editor(admin, "initiatives", state, "save", 302, name="Initiatives du pays")
    kept = list((instance_dir / "forms" / ".history").glob("initiatives.*.toml"))
    assert len(kept) == 1 and 'name = "Initiatives"' in kept[0].read_text(encoding="utf-8")
    assert _form(app, "initiatives").name_in("fr") == "Initiatives du pays"   # .history is not a form
    # the value stays in the fiche's text, not shown any more
    with app.test_request_context():
        page = Page.get(Page.name == "velo-ecole")
        assert "L'asso" in Revision.get(Revision.id == page.revision).source
    assert "L&#39;asso" not in html_of(admin, "/wiki/velo-ecole")
    assert "porteur" not in admin.get("/api/entries/velo-ecole").get_json()["values"]


def _form(app, form_id):
    with app.test_request_context():
        return entries.catalogue().form(form_id)


@pytest.mark.parametrize("change, message", [
    ({"f3-list": "nulle-part"}, "there is no list “nulle-part” in lists.toml"),
    ({"title": "description"}, "the title “description” must be one of the form's text fields"),
    ({"map_colour": "titre"}, "map_colour “titre” must be one of the form's choice fields"),
    ({"f0-type": "date"}, "The field “titre” has values in some fiches"),
])
def test_invalid_changes_are_explained_and_nothing_is_written(admin, add, instance_dir, change, message):
    add("initiatives", titre="Vélo-école")
    state = editor_state(html_of(admin, "/admin/formulaires/initiatives"), "initiatives")
    state["name"] = ["Initiatives modifiées"]
    html = post_editor(admin, "initiatives", state, "save", 400, **change).get_data(as_text=True)
    assert message in html.replace("&#39;", "'")
    assert 'value="Initiatives modifiées"' in html          # what the admin typed is still there
    assert not (instance_dir / "forms" / "initiatives.toml").exists()


def test_a_bad_new_field_id_is_explained_and_the_input_kept(admin, instance_dir):
    state = editor_state(html_of(admin, "/admin/formulaires/lieux"), "lieux")
    state = editor_state(post_editor(admin, "lieux", state, "add", 200).get_data(as_text=True), "lieux")
    n = int(state["fields"][0]) - 1
    html = post_editor(admin, "lieux", state, "save", 400, **{f"f{n}-id": "Horaires!",
                                                                f"f{n}-label": "Horaires"}).get_data(as_text=True)
    assert "the field id “Horaires!” is missing, used twice" in html
    assert 'value="Horaires!"' in html and 'value="Horaires"' in html
    assert not (instance_dir / "forms" / "lieux.toml").exists()


def test_messages_are_in_french_first(client, token, instance_dir):
    sign_in(client)
    state = editor_state(html_of(client, "/admin/formulaires/initiatives"), "initiatives")
    html = post_editor(client, "initiatives", state, "save", 400, title="site").get_data(as_text=True)
    assert "Pas enregistré" in html and "doit être un des champs texte du formulaire" in html


def test_the_toml_editor_checks_and_keeps_the_text(admin, instance_dir, app):
    html = html_of(admin, "/admin/formulaires/lieux")
    text = unescape(re.search(r'<textarea id="toml" name="toml"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    assert "# " in text and 'id = "lieux"' in text
    broken = text.replace('id = "lieux"', 'id = "autre"')
    r = admin.post("/admin/formulaires/lieux", data={"csrf_token": csrf_token(admin, "/admin"),
                                                     "action": "toml", "toml": broken})
    assert r.status_code == 400 and "the id must stay “lieux”" in r.get_data(as_text=True)
    assert 'id = &#34;autre&#34;' in r.get_data(as_text=True)
    r = admin.post("/admin/formulaires/lieux", data={"csrf_token": csrf_token(admin, "/admin"),
                                                     "action": "toml", "toml": "id = [broken"})
    assert r.status_code == 400 and not (instance_dir / "forms" / "lieux.toml").exists()
    changed = text.replace("moderation = false", "moderation = true")
    r = admin.post("/admin/formulaires/lieux", data={"csrf_token": csrf_token(admin, "/admin"),
                                                     "action": "toml", "toml": changed})
    assert r.status_code == 302
    assert (instance_dir / "forms" / "lieux.toml").read_text(encoding="utf-8") == changed   # comments kept
    assert _form(app, "lieux").moderation


def test_a_new_form(admin, client, instance_dir, app):
    r = admin.post("/admin/formulaires", data={"csrf_token": csrf_token(admin, "/admin"), "id": "Mauvais id",
                                               "name": "Métiers"})
    assert r.status_code == 400 and 'value="Mauvais id"' in r.get_data(as_text=True)
    r = admin.post("/admin/formulaires", data={"csrf_token": csrf_token(admin, "/admin"), "id": "lieux",
                                               "name": "Encore"})
    assert r.status_code == 400 and "There is already a form “lieux”." in r.get_data(as_text=True)
    r = admin.post("/admin/formulaires", data={"csrf_token": csrf_token(admin, "/admin"), "id": "metiers",
                                               "name": "Métiers"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/formulaires/metiers"
    assert (instance_dir / "forms" / "metiers.toml").is_file()
    assert client.get("/fiches/metiers/new").status_code == 200
    assert client.get("/api/forms/metiers").get_json()["name"] == "Métiers"


def test_hostile_labels_are_escaped_everywhere(admin, client, app):
    state = editor_state(html_of(admin, "/admin/formulaires/initiatives"), "initiatives")
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    post_editor(admin, "initiatives", state, "save", 302, **{"f0-label": hostile, "name": hostile,
                                                              "name_en": hostile, "f0-help": hostile})
    for path in ("/fiches/initiatives/new", "/fiches/initiatives", "/fiches", "/admin/formulaires",
                 "/admin/formulaires/initiatives"):
        html = html_of(admin, path)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert client.get("/api/forms/initiatives").get_json()["name"] == hostile     # JSON is data, not HTML


def test_a_field_made_private_leaves_the_lists_search_and_api(admin, add, app):
    client = app.test_client()          # a visitor (moderators and admins still see private fields)
    add("initiatives", titre="Vélo-école", porteur="Zorglub association")
    assert "Zorglub" in html_of(client, "/search?q=zorglub")
    assert "porteur" in client.get("/api/entries/velo-ecole").get_json()["values"]
    state = editor_state(html_of(admin, "/admin/formulaires/initiatives"), "initiatives")
    post_editor(admin, "initiatives", state, "save", 302, **{"f2-private": "1"})
    assert "porteur" not in client.get("/api/entries/velo-ecole").get_json()["values"]
    assert "velo-ecole" not in html_of(client, "/search?q=zorglub")
    assert "velo-ecole" not in html_of(client, "/fiches/initiatives?q=zorglub")
    assert "porteur" in admin.get("/api/entries/velo-ecole").get_json()["values"]


def test_another_worker_picks_up_a_changed_form(app, instance_dir, caplog):
    """A second app on the same folder stands for another gunicorn worker."""
    from wiki import create_app
    other = create_app(instance_dir, config={"TESTING": True})
    visitor = other.test_client()
    assert 'name="f-ouverture"' not in visitor.get("/fiches/lieux/new").get_data(as_text=True)
    text = (DEFAULTS / "forms" / "lieux.toml").read_text(encoding="utf-8") + \
        '\n[[fields]]\nid = "ouverture"\ntype = "text"\nlabel = "Ouverture"\n'
    (instance_dir / "forms" / "lieux.toml").write_text(text, encoding="utf-8")
    assert 'name="f-ouverture"' in visitor.get("/fiches/lieux/new").get_data(as_text=True)
    (instance_dir / "forms" / "new.tmp").write_text("id = [broken", encoding="utf-8")
    os.replace(instance_dir / "forms" / "new.tmp", instance_dir / "forms" / "lieux.toml")
    with caplog.at_level(logging.ERROR):
        r = visitor.get("/fiches/lieux/new")
    assert r.status_code == 200 and 'name="f-ouverture"' in r.get_data(as_text=True)   # the running forms stay
    assert "the previous forms stay in use" in caplog.text
    other.extensions["bocage.search"].close()


# -- the list editor ---------------------------------------------------------------------------
def test_editing_a_list_writes_lists_toml_safely(admin, client, instance_dir, app):
    html = html_of(admin, "/admin/listes")
    assert "Redon" in html and 'id="list-themes"' in html
    r = admin.post("/admin/listes", data={"csrf_token": csrf_token(admin, "/admin"), "id": "communes",
                                          "label": "Communes", "values": "Redon\n\nAllaire\nRedon\nPipriac  "})
    assert r.status_code == 302
    saved = tomllib.loads((instance_dir / "lists.toml").read_text(encoding="utf-8"))
    assert saved["communes"]["values"] == ["Redon", "Allaire", "Pipriac"]
    assert list((instance_dir / ".history").glob("lists.*.toml"))
    assert "Pipriac" in client.get("/api/forms/initiatives").get_json()["fields"][4]["choices"]
    r = admin.post("/admin/listes", data={"csrf_token": csrf_token(admin, "/admin"), "id": "Pas bien",
                                          "new": "1", "values": "a"})
    assert r.status_code == 400 and 'value="Pas bien"' in r.get_data(as_text=True)
    r = admin.post("/admin/listes", data={"csrf_token": csrf_token(admin, "/admin"), "id": "publics",
                                          "new": "1", "label": "Publics", "values": "Enfants\nAînés"})
    assert r.status_code == 302
    with app.test_request_context():
        assert entries.catalogue().values("publics") == ("Enfants", "Aînés")
    r = admin.post("/admin/listes", data={"csrf_token": csrf_token(admin, "/admin"), "id": "publics",
                                          "new": "1", "values": "x"})
    assert r.status_code == 400


def test_a_second_admin_account_is_another_admin(app, client):
    with app.app_context():
        robot_token("autre", username="autre")
    assert sign_in(client, "autre").status_code == 302
    assert client.get("/admin").status_code == 200


@pytest.mark.parametrize("toml", [
    'id = "lieux"\ntitle = "titre"\nfields = "titre"\n',
    'id = "lieux"\ntitle = "titre"\nfields = [1, 2]\n',
    'id = "lieux"\ntitle = ["titre"]\n[[fields]]\nid = "titre"\ntype = "text"\n',
    'id = "lieux"\ntitle = "titre"\nmap_colour = {a = 1}\n[[fields]]\nid = "titre"\ntype = "text"\n',
    'id = "lieux"\ntitle = "titre"\n[[fields]]\nid = ["titre"]\ntype = "text"\n',
])
def test_odd_toml_shapes_are_refused_with_a_message(admin, instance_dir, toml):
    r = admin.post("/admin/formulaires/lieux", data={"csrf_token": csrf_token(admin, "/admin"),
                                                     "action": "toml", "toml": toml})
    assert r.status_code == 400 and "Not saved: forms/lieux.toml: " in r.get_data(as_text=True)
    assert not (instance_dir / "forms" / "lieux.toml").exists()


def test_a_refused_fiche_restored_from_the_trash_waits_again_unsearchable(admin, waiting, app, client):
    r = admin.post("/admin/moderation/troc-de-graines/reject", data={"csrf_token": csrf_token(admin, "/admin")})
    assert r.status_code == 302
    with app.app_context():
        assert Revision.get(Revision.id == Page.get(Page.name == "troc-de-graines").revision).comment == \
            "Refused by a moderator"
    admin.post("/wiki/troc-de-graines/undelete", data={"csrf_token": csrf_token(admin, "/admin")})
    assert "troc-de-graines" in _pending_names(app)
    assert "troc-de-graines" not in html_of(client, "/search?q=graines")
    assert "Troc de graines" not in html_of(client, "/fiches/agenda")


def test_a_pending_fiche_s_texts_are_for_admins_only(admin, waiting, app):
    with app.app_context():
        page = Page.get(Page.name == "troc-de-graines")
    visitor = app.test_client()
    for path in (f"/wiki/troc-de-graines/revisions/{page.revision}", "/wiki/troc-de-graines/diff",
                 "/wiki/troc-de-graines/edit"):
        r = visitor.get(path)
        assert r.status_code == 404 and "Redon" not in r.get_data(as_text=True), path
        assert "Redon" in html_of(admin, path), path
    r = visitor.post("/wiki/troc-de-graines/edit", data={"csrf_token": csrf_token(visitor, "/connexion"),
                                                         "f-titre": "Remplacé", "base_revision": str(page.revision)})
    assert r.status_code == 404
    with app.app_context():
        assert Page.get(Page.name == "troc-de-graines").revision == page.revision


def test_a_form_changed_while_the_wiki_was_stopped_is_projected_at_the_first_request(app, add, instance_dir):
    from wiki import create_app
    add("initiatives", titre="Vélo-école", porteur="Zorglub association")
    visitor = app.test_client()
    assert "velo-ecole" in visitor.get("/fiches/initiatives?q=zorglub").get_data(as_text=True)
    text = (DEFAULTS / "forms" / "initiatives.toml").read_text(encoding="utf-8").replace(
        'label = "Porté par"', 'label = "Porté par"\nprivate = true')
    (instance_dir / "forms" / "initiatives.toml").write_text(text, encoding="utf-8")
    restarted = create_app(instance_dir, config={"TESTING": True})
    html = restarted.test_client().get("/fiches/initiatives?q=zorglub").get_data(as_text=True)
    restarted.extensions["bocage.search"].close()
    assert "velo-ecole" not in html
