"""Signing up (open, on invitation, closed), confirming an address, resetting a password: through
the real forms with their CSRF tokens, the mail read from the outbox, links spent and expired in
the real database."""
from datetime import timedelta

import pytest

from conftest import csrf_token, sign_in
from outbox import body, last_mail, link_in, outbox
from wiki.accounts.models import Account, AuditEntry, OneTimeLink
from wiki.db import utcnow

PASSWORD = "un-bon-mot-de-passe"


def set_mode(app, mode):
    with app.app_context():
        from wiki.accounts.settings import set_signup_mode
        set_signup_mode(mode)


def sign_up(client, username="Maëlle", email="maelle@example.org", password=PASSWORD, password2=None,
            **extra):
    data = {"csrf_token": csrf_token(client, "/connexion"), "username": username, "email": email,
            "password": password, "password2": password if password2 is None else password2, **extra}
    return client.post("/inscription", data=data)


def account(app, login):
    with app.app_context():
        from wiki.accounts.service import find_account
        return find_account(login)


def expire_links(app, purpose):
    with app.app_context():
        OneTimeLink.update(expires=utcnow() - timedelta(seconds=1)).where(
            OneTimeLink.purpose == purpose).execute()


@pytest.fixture
def opened(app):
    set_mode(app, "open")
    return app


# -- open sign-up ----------------------------------------------------------------------------
def test_open_sign_up_then_confirmation_then_sign_in(opened, en, instance_dir):
    assert 'class="sign-up"' in en.get("/connexion").get_data(as_text=True)
    r = sign_up(en)
    assert r.status_code == 200 and "Check your mailbox" in r.get_data(as_text=True)
    assert account(opened, "maelle@example.org").status == "unconfirmed"
    r = sign_in(en, "Maëlle", PASSWORD)
    assert r.status_code == 403 and "Confirm your e-mail address first" in r.get_data(as_text=True)
    message = last_mail(instance_dir, "maelle@example.org")
    assert "Confirm your e-mail address" in message["Subject"] and "Maëlle" in body(message)
    path = link_in(message, "/inscription/confirmer/")
    assert body(message).count("https://wiki.test/inscription/confirmer/") == 1
    # opening the link (a mail scanner would) confirms nothing: the button does
    assert en.get(path).status_code == 200
    assert account(opened, "maelle@example.org").status == "unconfirmed"
    r = en.post(path, data={"csrf_token": csrf_token(en, path)})
    assert r.status_code == 302 and r.headers["Location"] == "/connexion"
    assert account(opened, "maelle@example.org").status == "active"
    assert sign_in(en, "maëlle", PASSWORD).status_code == 302
    r = en.post(path, data={"csrf_token": csrf_token(en, "/connexion")})      # once only
    assert r.status_code == 410 and "does not work any more" in r.get_data(as_text=True)


def test_a_confirmation_link_expires(opened, en, instance_dir):
    sign_up(en)
    path = link_in(last_mail(instance_dir), "/inscription/confirmer/")
    expire_links(opened, "confirm")
    assert en.post(path, data={"csrf_token": csrf_token(en, "/connexion")}).status_code == 410
    assert account(opened, "maëlle").status == "unconfirmed"


def test_only_the_latest_confirmation_link_works(opened, en, admin, instance_dir):
    sign_up(en)
    first = link_in(last_mail(instance_dir), "/inscription/confirmer/")
    a = account(opened, "maëlle")
    admin.post(f"/admin/comptes/{a.id}/confirmation", data={"csrf_token": csrf_token(admin, "/admin")})
    second = link_in(last_mail(instance_dir), "/inscription/confirmer/")
    assert first != second
    assert admin.post(first, data={"csrf_token": csrf_token(admin, "/admin")}).status_code == 410
    assert admin.post(second, data={"csrf_token": csrf_token(admin, "/admin")}).status_code == 302


@pytest.mark.parametrize("fields, message, field", [
    ({"password2": "autre-chose-encore"}, "The two passwords differ", "password2"),
    ({"password": "court", "password2": "court"}, "A password has at least", "password"),
    ({"email": "pas-une-adresse"}, "This e-mail address does not look right.", "email"),
    ({"email": ""}, "Give your e-mail address", "email"),
    ({"username": "ab"}, "A username has 3 to 40 letters", "username"),
])
def test_refused_sign_ups_keep_what_was_typed(opened, en, fields, message, field):
    r = sign_up(en, **fields)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and message in html
    assert f'id="{field}"' in html.split('aria-invalid="true"')[0].rsplit("<input", 1)[1]
    if fields.get("email", "x") and "username" not in fields:
        assert 'value="Maëlle"' in html
    assert PASSWORD not in html                            # a password is never sent back
    with opened.app_context():
        assert Account.select().count() == 0


def test_the_honeypot_gets_the_same_answer_and_nothing_is_made(opened, en, instance_dir):
    r = sign_up(en, website="https://spam.example")
    assert r.status_code == 200 and "Check your mailbox" in r.get_data(as_text=True)
    assert account(opened, "maëlle") is None and outbox(instance_dir) == []


def test_a_known_address_gets_a_notice_not_a_second_account(opened, en, instance_dir):
    sign_up(en)
    r = sign_up(en, username="Quelqu'un d'autre")
    assert r.status_code == 200 and "Check your mailbox" in r.get_data(as_text=True)   # the same answer
    assert account(opened, "Quelqu'un d'autre") is None
    notice = last_mail(instance_dir, "maelle@example.org")
    assert "already has an account" in body(notice) and link_in(notice, "/mot-de-passe-oublie")


@pytest.mark.parametrize("other", ["maëlle", "MAËLLE", "Mae\u0308lle", "ＭＡËＬＬＥ"])
def test_usernames_are_unique_whatever_the_case_and_accents(opened, en, other):
    sign_up(en)
    r = sign_up(en, username=other, email="autre@example.org")
    assert r.status_code == 400 and "This username is taken" in r.get_data(as_text=True)
    with opened.app_context():
        assert Account.select().count() == 1


def test_sign_ups_from_one_address_are_limited(opened, en):
    for n in range(10):
        assert sign_up(en, username=f"Personne {n}", email=f"p{n}@example.org").status_code == 200
    r = sign_up(en, username="Personne 10", email="p10@example.org")
    assert r.status_code == 429 and "Too many accounts" in r.get_data(as_text=True)


# -- closed and on invitation ----------------------------------------------------------------
def test_sign_up_is_closed_by_default(app, en):
    r = en.get("/inscription")
    assert r.status_code == 403 and "Sign-up is closed on this wiki." in r.get_data(as_text=True)
    assert 'name="username"' not in r.get_data(as_text=True)
    assert 'class="sign-up"' not in en.get("/connexion").get_data(as_text=True)
    r = sign_up(en)
    assert r.status_code == 400 and "Sign-up is closed" in r.get_data(as_text=True)
    assert account(app, "maëlle") is None


def test_on_invitation_only_invited_people_sign_up(app, admin, client, instance_dir):
    r = admin.post("/admin/comptes/inscription", data={"csrf_token": csrf_token(admin, "/admin"),
                                                       "mode": "invitation"})
    assert r.status_code == 302
    stranger = app.test_client()
    stranger.set_cookie("lang", "en")
    r = stranger.get("/inscription")
    assert r.status_code == 403 and "accounts are made on invitation" in r.get_data(as_text=True)
    assert sign_up(stranger).status_code == 400
    r = admin.post("/admin/comptes/inviter", data={"csrf_token": csrf_token(admin, "/admin"),
                                                   "emails": "maelle@example.org\nbob@example.org, pas-une-adresse"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "2 invitations sent" in html and "pas-une-adresse" in html
    path = link_in(last_mail(instance_dir, "maelle@example.org"), "/inscription")
    assert path.startswith("/inscription?invitation=")
    html = stranger.get(path).get_data(as_text=True)
    assert 'value="maelle@example.org"' in html and 'name="invitation"' in html
    token = path.split("=", 1)[1]
    r = sign_up(stranger, invitation=token)
    assert r.status_code == 302 and r.headers["Location"] == "/compte"      # signed in at once
    assert account(app, "maëlle").status == "active"
    assert "Maëlle" in stranger.get("/compte").get_data(as_text=True)
    # once only
    assert stranger.get(path).status_code == 410
    assert sign_up(app.test_client(), username="Encore", invitation=token).status_code == 400
    with app.app_context():
        assert {e.target for e in AuditEntry.select().where(AuditEntry.action == "account.invite")} == \
            {"maelle@example.org", "bob@example.org"}
        assert AuditEntry.get(AuditEntry.action == "signup.mode").actor == "robot"


def test_an_invitation_to_another_address_still_confirms_it(app, admin, instance_dir):
    set_mode(app, "invitation")
    admin.post("/admin/comptes/inviter", data={"csrf_token": csrf_token(admin, "/admin"), "emails": "a@example.org"})
    token = link_in(last_mail(instance_dir), "/inscription").split("=", 1)[1]
    visitor = app.test_client()
    r = sign_up(visitor, email="b@example.org", invitation=token)
    assert r.status_code == 200 and account(app, "b@example.org").status == "unconfirmed"
    assert link_in(last_mail(instance_dir, "b@example.org"), "/inscription/confirmer/")


def test_invitations_expire_and_stop_when_sign_up_closes(app, admin, instance_dir):
    set_mode(app, "invitation")
    admin.post("/admin/comptes/inviter", data={"csrf_token": csrf_token(admin, "/admin"),
                                               "emails": "a@example.org b@example.org"})
    path_a = link_in(last_mail(instance_dir, "a@example.org"), "/inscription")
    path_b = link_in(last_mail(instance_dir, "b@example.org"), "/inscription")
    with app.app_context():
        link = OneTimeLink.get(OneTimeLink.email == "a@example.org")
        assert timedelta(days=6, hours=23) < link.expires - link.created <= timedelta(days=7)
        link.expires = utcnow() - timedelta(seconds=1)
        link.save()
    visitor = app.test_client()
    assert visitor.get(path_a).status_code == 410
    assert sign_up(visitor, email="a@example.org", invitation=path_a.split("=", 1)[1]).status_code == 400
    set_mode(app, "closed")
    assert visitor.get(path_b).status_code == 410
    assert sign_up(visitor, email="b@example.org", invitation=path_b.split("=", 1)[1]).status_code == 400
    r = admin.post("/admin/comptes/inviter", data={"csrf_token": csrf_token(admin, "/admin"), "emails": "c@example.org"})
    assert r.status_code == 400 and outbox(instance_dir, "c@example.org") == []
    with app.app_context():
        assert Account.select().count() == 1          # the robot


# -- password reset --------------------------------------------------------------------------
@pytest.fixture
def maelle(app):
    with app.app_context():
        from wiki.accounts.service import create_account
        return create_account("Maëlle", PASSWORD, email="maelle@example.org")


def forgot(client, email):
    return client.post("/mot-de-passe-oublie", data={"csrf_token": csrf_token(client, "/mot-de-passe-oublie"),
                                                     "email": email})


def test_the_reset_answer_is_the_same_whether_the_address_has_an_account(app, en, maelle, instance_dir):
    known, unknown = forgot(en, "maelle@example.org"), forgot(en, "personne@example.org")
    assert known.status_code == unknown.status_code == 200
    assert (known.get_data(as_text=True).replace("maelle@example.org", "X")
            == unknown.get_data(as_text=True).replace("personne@example.org", "X"))
    assert [m["To"] for m in outbox(instance_dir)] == ["maelle@example.org"]


def test_reset_links_work_once_end_other_sessions_and_expire(app, en, maelle, instance_dir):
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "maëlle", PASSWORD).status_code == 302
    assert elsewhere.get("/compte").status_code == 200
    forgot(en, "MAELLE@example.org")
    path = link_in(last_mail(instance_dir, "maelle@example.org"), "/mot-de-passe-oublie/")
    assert en.get(path).status_code == 200
    data = {"csrf_token": csrf_token(en, path), "password": "nouveau-mot-de-passe", "password2": "autre"}
    r = en.post(path, data=data)
    assert r.status_code == 400 and "The two passwords differ" in r.get_data(as_text=True)   # not spent
    r = en.post(path, data={**data, "password2": "nouveau-mot-de-passe"})
    assert r.status_code == 302 and r.headers["Location"] == "/connexion"
    assert elsewhere.get("/compte").status_code == 302            # the other session is over
    assert sign_in(en, "maëlle", PASSWORD).status_code == 403
    assert sign_in(en, "maëlle", "nouveau-mot-de-passe").status_code == 302
    assert en.post(path, data={**data, "password2": "nouveau-mot-de-passe",
                               "csrf_token": csrf_token(en, "/connexion")}).status_code == 410
    forgot(en, "maelle@example.org")
    path = link_in(last_mail(instance_dir, "maelle@example.org"), "/mot-de-passe-oublie/")
    with app.app_context():
        link = OneTimeLink.get((OneTimeLink.purpose == "reset") & OneTimeLink.used.is_null())
        assert link.expires - link.created == timedelta(hours=1)
    expire_links(app, "reset")
    assert en.get(path).status_code == 200          # the form; spending it says why not
    r = en.post(path, data={**data, "password2": "nouveau-mot-de-passe", "csrf_token": csrf_token(en, path)})
    assert r.status_code == 410


def test_a_reset_confirms_an_unconfirmed_address_but_never_enables_a_disabled_account(app, en, maelle, instance_dir):
    with app.app_context():
        Account.update(status="unconfirmed").execute()
    forgot(en, "maelle@example.org")
    path = link_in(last_mail(instance_dir), "/mot-de-passe-oublie/")
    en.post(path, data={"csrf_token": csrf_token(en, path), "password": "nouveau-mot-de-passe",
                        "password2": "nouveau-mot-de-passe"})
    assert account(app, "maëlle").status == "active"
    with app.app_context():
        Account.update(status="disabled").execute()
    count = len(outbox(instance_dir))
    forgot(en, "maelle@example.org")
    assert len(outbox(instance_dir)) == count


def test_reset_requests_are_limited_per_address(app, en, maelle, instance_dir):
    for _ in range(5):
        r = forgot(en, "maelle@example.org")
        assert r.status_code == 200 and "a message is on its way" in r.get_data(as_text=True)
    assert len(outbox(instance_dir, "maelle@example.org")) == 3
    paths = [link_in(m, "/mot-de-passe-oublie/") for m in outbox(instance_dir)]
    assert len(set(paths)) == 3
    with app.app_context():            # only the latest one works
        assert OneTimeLink.select().where((OneTimeLink.purpose == "reset") & OneTimeLink.used.is_null()).count() == 1


# -- CSRF, hostile input ---------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/inscription", "/connexion", "/mot-de-passe-oublie",
                                  "/mot-de-passe-oublie/x" * 1, "/inscription/confirmer/abc",
                                  "/compte/mot-de-passe", "/compte/jetons", "/admin/comptes/1/role",
                                  "/admin/groupes", "/admin/comptes/inviter"])
def test_every_account_form_refuses_a_post_without_its_csrf_token(opened, admin, path):
    r = admin.post(path, data={"username": "X y z", "email": "x@example.org", "password": PASSWORD,
                               "password2": PASSWORD, "role": "editor", "name": "Groupe", "emails": "a@b.org"})
    assert r.status_code == 400, path
    r = admin.post(path, data={"csrf_token": "forged", "name": "Groupe"})
    assert r.status_code == 400, path
    with opened.app_context():
        assert Account.select().count() == 1 and Account.get().role == "admin"


HOSTILE = ["<script>alert(1)</script>", "abc\u202egnp.exe", "zero\u200bwidth", "x" * 5000,
           "nul\x00byte", "Robert'); DROP TABLE account;--", "\u0000", "   ", "admin\ufeff",
           "ﷺ" * 30, "a/../b", "😀😀😀"]


@pytest.mark.parametrize("username", HOSTILE)
def test_hostile_usernames_never_fail_and_are_escaped(opened, en, admin, username):
    r = sign_up(en, username=username, email="h@example.org")
    assert r.status_code in (200, 400), r.status_code
    html = r.get_data(as_text=True)
    assert "<script>alert" not in html and "\u202e" not in html
    for page in ("/admin/comptes", "/admin/comptes?q=" + username[:50]):
        r = admin.get(page)
        assert r.status_code == 200 and "<script>alert" not in r.get_data(as_text=True)
    with opened.app_context():
        for a in Account.select():
            assert not any(c in a.username for c in "\x00\u202e\u200b\ufeff<>") and len(a.username) <= 40


def test_a_surrogate_or_broken_utf8_in_a_form_is_no_error(opened, en):
    token = csrf_token(en, "/inscription")
    r = en.post("/inscription", data=f"csrf_token={token}&username=%ED%A0%80abc%FF&email=a%00@b.org"
                                     f"&password={PASSWORD}&password2={PASSWORD}",
                content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    r = en.post("/connexion", data=f"csrf_token={token}&login=%ED%A0%80%00&password=x",
                content_type="application/x-www-form-urlencoded")
    assert r.status_code == 403
    r = forgot(en, "a\x00@example.org")
    assert r.status_code == 200
