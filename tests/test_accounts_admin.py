"""Admins' pages for people (/admin/comptes, /admin/groupes) and one's own account (/compte):
roles, the last admin, disabling, groups and the rules that name them, the audit log, passwords,
addresses and API tokens."""
import re

import pytest

from conftest import ROBOT_PASSWORD, csrf_token, sign_in
from outbox import last_mail, link_in, outbox
from wiki.accounts.models import AccessRule, Account, AuditEntry, Group, Membership
from wiki.models import ApiToken

PASSWORD = "un-bon-mot-de-passe"
ADMIN_POSTS = ["/admin/comptes/1/role", "/admin/comptes/1/statut", "/admin/comptes/1/confirmation",
               "/admin/comptes/inscription", "/admin/comptes/inviter", "/admin/groupes",
               "/admin/groupes/1", "/admin/groupes/1/supprimer", "/admin/groupes/1/membres",
               "/admin/groupes/1/membres/1/retirer"]


@pytest.fixture
def people(app, token):
    """The robot (admin, id 1), an editor and a moderator; a group."""
    from wiki.accounts.service import create_account
    with app.app_context():
        made = {role: create_account(f"Une {role}", PASSWORD, email=f"{role}@example.org", role=role)
                for role in ("editor", "moderator")}
        Group.create(name="Bureau")
        return {role: a.id for role, a in made.items()}


def signed_in(app, login, password=PASSWORD):
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert sign_in(client, login, password).status_code == 302
    return client


def audit(app, action):
    with app.app_context():
        return [(e.actor, e.target, e.detail) for e in
                AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)]


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_editors_and_moderators_get_403_on_every_admin_account_page(app, people, role):
    client = signed_in(app, f"Une {role}")
    for path in ("/admin/comptes", "/admin/comptes/inviter", "/admin/groupes", "/admin/groupes/1"):
        assert client.get(path).status_code == 403, path
        r = client.get(path, headers={"Accept": "application/json"})
        assert r.status_code == 403 and "error" in r.get_json(), path
    for path in ADMIN_POSTS:
        r = client.post(path, data={"csrf_token": csrf_token(client, "/compte"), "role": "admin",
                                    "status": "disabled", "mode": "open", "name": "Pirates",
                                    "username": f"Une {role}", "emails": "x@example.org"})
        assert r.status_code == 403, path
    with app.app_context():
        assert Account.get_by_id(people[role]).role == role
        assert [g.name for g in Group.select()] == ["Bureau"] and Membership.select().count() == 0
        assert AuditEntry.select().count() == 0
    home = client.get("/admin").get_data(as_text=True) if role == "moderator" else ""
    assert "/admin/comptes" not in home                # moderators do not see the link


def test_strangers_are_sent_to_sign_in(client, people):
    assert client.get("/admin/comptes").headers["Location"] == "/connexion?next=/admin/comptes"
    assert client.get("/admin/groupes", headers={"Accept": "application/json"}).status_code == 401


def test_the_admin_lists_accounts_and_changes_a_role(app, admin, people):
    html = admin.get("/admin").get_data(as_text=True)
    assert 'href="/admin/comptes"' in html and 'href="/admin/groupes"' in html
    html = admin.get("/admin/comptes").get_data(as_text=True)
    assert "Une editor" in html and "moderator@example.org" in html and 'href="/contributions/Une%20editor"' in html
    assert "Une editor" not in admin.get("/admin/comptes?q=moder").get_data(as_text=True)
    r = admin.post(f"/admin/comptes/{people['editor']}/role", data={"csrf_token": csrf_token(admin, "/admin"),
                                                                   "role": "moderator"})
    assert r.status_code == 302
    with app.app_context():
        assert Account.get_by_id(people["editor"]).role == "moderator"
    assert audit(app, "account.role") == [("robot", "Une editor", "editor → moderator")]
    r = admin.post(f"/admin/comptes/{people['editor']}/role", data={"csrf_token": csrf_token(admin, "/admin"),
                                                                   "role": "emperor"})
    assert "Unknown role." in admin.get(r.headers["Location"]).get_data(as_text=True)
    assert admin.post("/admin/comptes/999/role", data={"csrf_token": csrf_token(admin, "/admin"),
                                                        "role": "admin"}).status_code == 404


def test_the_last_admin_can_be_neither_demoted_nor_disabled(app, admin, people):
    token = csrf_token(admin, "/admin")
    for path, data in (("/admin/comptes/1/role", {"role": "editor"}), ("/admin/comptes/1/statut", {"status": "disabled"})):
        r = admin.post(path, data={"csrf_token": token, **data})
        assert "This is the last admin" in admin.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        robot = Account.get_by_id(1)
        assert (robot.role, robot.status) == ("admin", "active")
    # with a second admin, the first may step down
    admin.post(f"/admin/comptes/{people['moderator']}/role", data={"csrf_token": token, "role": "admin"})
    admin.post("/admin/comptes/1/role", data={"csrf_token": token, "role": "editor"})
    with app.app_context():
        assert Account.get_by_id(1).role == "editor"
    assert admin.get("/admin/comptes").status_code == 403         # at once: rights are per request
    other = signed_in(app, "Une moderator")
    r = other.post(f"/admin/comptes/{people['moderator']}/role", data={"csrf_token": csrf_token(other, "/admin"),
                                                                      "role": "editor"})
    assert "This is the last admin" in other.get(r.headers["Location"]).get_data(as_text=True)


def test_disabling_ends_sessions_and_tokens_and_enabling_brings_them_back(app, admin, people):
    editor = signed_in(app, "Une editor")
    with app.app_context():
        from wiki.accounts.tokens import create_token
        api = create_token("script", people["editor"])
    headers = {"Authorization": f"Bearer {api}"}
    assert editor.get("/compte").status_code == 200
    admin.post(f"/admin/comptes/{people['editor']}/statut", data={"csrf_token": csrf_token(admin, "/admin"),
                                                                 "status": "disabled"})
    assert editor.get("/compte").status_code == 302
    assert app.test_client().get("/compte", headers={**headers, "Accept": "application/json"}).status_code == 401
    assert sign_in(editor, "Une editor", PASSWORD).status_code == 403
    admin.post(f"/admin/comptes/{people['editor']}/statut", data={"csrf_token": csrf_token(admin, "/admin"),
                                                                 "status": "active"})
    assert sign_in(editor, "Une editor", PASSWORD).status_code == 302
    assert [a[1] for a in audit(app, "account.disable") + audit(app, "account.enable")] == ["Une editor"] * 2


def test_an_admin_confirms_or_resends_the_confirmation(app, admin, people, instance_dir):
    with app.app_context():
        Account.update(status="unconfirmed", confirmed=None).where(Account.id == people["editor"]).execute()
    html = admin.get("/admin/comptes").get_data(as_text=True)
    assert "Resend the confirmation" in html
    admin.post(f"/admin/comptes/{people['editor']}/confirmation", data={"csrf_token": csrf_token(admin, "/admin")})
    assert link_in(last_mail(instance_dir, "editor@example.org"), "/inscription/confirmer/")
    assert audit(app, "account.resend") == [("robot", "Une editor", "")]
    admin.post(f"/admin/comptes/{people['editor']}/statut", data={"csrf_token": csrf_token(admin, "/admin"),
                                                                 "status": "active"})
    with app.app_context():
        assert Account.get_by_id(people["editor"]).confirmed is not None
    r = admin.post(f"/admin/comptes/{people['editor']}/confirmation", data={"csrf_token": csrf_token(admin, "/admin")})
    assert "nothing to confirm" in admin.get(r.headers["Location"]).get_data(as_text=True)


# -- groups ----------------------------------------------------------------------------------
def test_groups_are_made_renamed_filled_and_deleted_with_their_rules(app, admin, people):
    token = csrf_token(admin, "/admin")
    r = admin.post("/admin/groupes", data={"csrf_token": token, "name": "Équipe <b>médiathèque</b>"})
    assert r.status_code == 400 and "A group name has" in r.get_data(as_text=True)
    assert "&lt;b&gt;médiathèque" in r.get_data(as_text=True)
    r = admin.post("/admin/groupes", data={"csrf_token": token, "name": "bureau"})
    assert r.status_code == 400 and "already a group" in r.get_data(as_text=True)
    r = admin.post("/admin/groupes", data={"csrf_token": token, "name": "Médiathèque", "description": "Les bénévoles"})
    assert r.status_code == 302
    path = r.headers["Location"]
    group_id = int(path.rsplit("/", 1)[1])
    for login in ("Une editor", "moderator@example.org", "Une editor"):
        admin.post(f"{path}/membres", data={"csrf_token": token, "username": login})
    r = admin.post(f"{path}/membres", data={"csrf_token": token, "username": "personne"})
    assert r.status_code == 400 and "There is no account" in r.get_data(as_text=True)
    html = admin.get(path).get_data(as_text=True)
    assert html.count('class="username"') == 2
    assert "2 members" in admin.get("/admin/groupes").get_data(as_text=True)
    editor = signed_in(app, "Une editor")
    assert "Médiathèque" in editor.get("/compte").get_data(as_text=True)
    # a rule that names the group follows its new name
    with app.app_context():
        AccessRule.create(target="page:horaires", read="all", edit="group:Médiathèque")
    r = admin.post(path, data={"csrf_token": token, "name": "Bibliothèque", "description": "x"})
    assert r.status_code == 302
    with app.app_context():
        assert AccessRule.get_by_id("page:horaires").edit == "group:Bibliothèque"
        from wiki.rights import may_edit, person_of
        with app.test_request_context():
            assert may_edit("horaires", person=person_of(Account.get_by_id(people["editor"])))
    admin.post(f"{path}/membres/{people['editor']}/retirer", data={"csrf_token": token})
    with app.app_context():
        assert Membership.select().where(Membership.group == group_id).count() == 1
    admin.post(f"{path}/supprimer", data={"csrf_token": token})
    with app.app_context():
        assert Group.get_or_none(Group.id == group_id) is None and Membership.select().count() == 0
        with app.test_request_context():        # the rule now names no group: closed, never open
            assert not may_edit("horaires", person=person_of(Account.get_by_id(people["moderator"])))
    assert [a[0] for a in audit(app, "group.add")] == ["robot", "robot"]
    assert audit(app, "group.rename") == [("robot", "Bibliothèque", "Médiathèque → Bibliothèque")]
    assert audit(app, "group.remove") == [("robot", "Bibliothèque", "Une editor")]
    assert [a[1] for a in audit(app, "group.create") + audit(app, "group.delete")] == ["Médiathèque", "Bibliothèque"]


# -- one's own account -----------------------------------------------------------------------
def test_changing_one_s_password_needs_the_current_one_and_ends_other_sessions(app, people):
    me, elsewhere = signed_in(app, "Une editor"), signed_in(app, "Une editor")
    data = {"csrf_token": csrf_token(me, "/compte"), "current": "faux", "password": "nouveau-mot-de-passe",
            "password2": "nouveau-mot-de-passe"}
    r = me.post("/compte/mot-de-passe", data=data)
    assert r.status_code == 400 and "Your current password is not this one." in r.get_data(as_text=True)
    r = me.post("/compte/mot-de-passe", data={**data, "current": PASSWORD})
    assert r.status_code == 302
    assert me.get("/compte").status_code == 200                  # this session goes on
    assert elsewhere.get("/compte").status_code == 302           # the others end
    assert sign_in(app.test_client(), "Une editor", "nouveau-mot-de-passe").status_code == 302


def test_changing_one_s_address_takes_effect_once_confirmed(app, people, instance_dir):
    me = signed_in(app, "Une editor")
    data = {"csrf_token": csrf_token(me, "/compte"), "current": PASSWORD, "email": "moderator@example.org"}
    r = me.post("/compte/adresse", data=data)
    assert r.status_code == 400 and "already uses this e-mail address" in r.get_data(as_text=True)
    r = me.post("/compte/adresse", data={**data, "current": "faux", "email": "nouvelle@example.org"})
    assert r.status_code == 400 and 'value="nouvelle@example.org"' in r.get_data(as_text=True)
    assert outbox(instance_dir) == []
    assert me.post("/compte/adresse", data={**data, "email": "Nouvelle@Example.org"}).status_code == 302
    with app.app_context():
        assert Account.get_by_id(people["editor"]).email == "editor@example.org"    # not yet
    path = link_in(last_mail(instance_dir, "nouvelle@example.org"), "/inscription/confirmer/")
    assert me.post(path, data={"csrf_token": csrf_token(me, "/compte")}).headers["Location"] == "/compte"
    with app.app_context():
        assert Account.get_by_id(people["editor"]).email == "nouvelle@example.org"


def test_api_tokens_are_shown_once_work_and_can_be_revoked(app, people, client):
    me = signed_in(app, "Une editor")
    html = me.get("/compte").get_data(as_text=True)
    assert 'href="/contributions/Une%20editor"' in html and "My contributions" in html
    r = me.post("/compte/jetons", data={"csrf_token": csrf_token(me, "/compte"), "label": "Mon <script>\x00"})
    html = r.get_data(as_text=True)
    value = re.search(r'<code class="new-token">(bocage_[\w-]+)</code>', html).group(1)
    assert "Mon &lt;script&gt;" in html
    assert value not in me.get("/compte").get_data(as_text=True)              # shown once
    with me.session_transaction() as session:
        assert value not in str(dict(session))
    headers = {"Authorization": f"Bearer {value}", "Accept": "application/json"}
    assert client.get("/admin/comptes", headers=headers).status_code == 403   # an editor's rights
    with app.app_context():
        mine = ApiToken.get(ApiToken.account == people["editor"])
        robot_token_id = ApiToken.get(ApiToken.account == 1).id
    other = signed_in(app, "Une moderator")           # nobody revokes someone else's token
    other.post(f"/compte/jetons/{mine.id}/revoquer", data={"csrf_token": csrf_token(other, "/compte")})
    me.post(f"/compte/jetons/{robot_token_id}/revoquer", data={"csrf_token": csrf_token(me, "/compte")})
    with app.app_context():
        assert not ApiToken.get_by_id(mine.id).revoked and not ApiToken.get_by_id(robot_token_id).revoked
    me.post(f"/compte/jetons/{mine.id}/revoquer", data={"csrf_token": csrf_token(me, "/compte")})
    assert client.get("/admin/comptes", headers=headers).status_code == 401   # nobody's any more
    with app.app_context():
        assert ApiToken.get_by_id(mine.id).revoked
    assert "revoked" in me.get("/compte").get_data(as_text=True)


def test_the_profile_is_for_signed_in_people(client, token):
    assert client.get("/compte").headers["Location"] == "/connexion?next=/compte"
    r = client.post("/compte/jetons", data={"csrf_token": csrf_token(client, "/connexion")})
    assert r.status_code == 302
    with client.application.app_context():
        assert ApiToken.select().count() == 1
    admin = signed_in(client.application, "robot", ROBOT_PASSWORD)
    assert 'href="/compte"' in admin.get("/recent").get_data(as_text=True)
