"""Mail: the outbox folder in development and tests, SMTP (to a small SMTP server on 127.0.0.1)
in production, and instance.toml's [mail] and [accounts] settings."""
import base64
import socket
import socketserver
import threading

import pytest
import tomli_w

from outbox import body, last_mail, outbox
from wiki import create_app, mail
from wiki.instance import InstanceError, load_instance


def _settings(instance_dir, **sections):
    import tomllib
    path = instance_dir / "instance.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    raw.update(sections)
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        server = self.server
        self.reply("220 test ESMTP")
        while True:
            line = self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                server.auth.append(base64.b64decode(line.split()[-1]).split(b"\0"))
                self.reply("235 ok")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                server.envelope.append(line)
                self.reply("550 refused" if server.refuse and verb == "RCPT" else "250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                server.messages.append(b"".join(data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 no")


@pytest.fixture
def smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.messages, server.envelope, server.auth, server.refuse = [], [], [], False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_without_a_host_messages_go_to_the_outbox(app, instance_dir):
    with app.test_request_context():
        path = mail.send_mail("maelle@example.org", "Bonjour\r\nBcc: evil@example.org", "Un texte accentué é.")
    assert path.parent == instance_dir / "data" / "outbox" and path.suffix == ".eml"
    message = last_mail(instance_dir, "maelle@example.org")
    assert message["Subject"] == "Bonjour Bcc: evil@example.org"       # a header break is no header
    assert message["Bcc"] is None and message["From"] == "no-reply@wiki.test"
    assert body(message).strip() == "Un texte accentué é."
    assert not list((instance_dir / "data" / "outbox").glob("*.tmp"))
    with app.test_request_context():
        with pytest.raises(mail.MailError):
            mail.send_mail("a@example.org\nBcc: b@example.org", "x", "y")
        assert mail.link("/connexion") == "https://wiki.test/connexion"


def test_smtp_sends_with_the_password_from_the_secrets_file(instance_dir, smtp):
    _settings(instance_dir, mail={"host": "127.0.0.1", "port": smtp.server_address[1], "starttls": False,
                                  "username": "wiki@example.org", "sender": "Wiki <wiki@example.org>",
                                  "base_url": "http://127.0.0.1:5001"})
    secrets = instance_dir / "data" / "secrets.toml"
    secrets.write_text(secrets.read_text(encoding="utf-8") + 'mail_password = "s3cret"\n', encoding="utf-8")
    app = create_app(instance_dir, config={"TESTING": True})
    try:
        with app.test_request_context():
            assert mail.send_mail("bob@example.org", "Hello", "Text") is None
            assert mail.link("/x") == "http://127.0.0.1:5001/x"
        assert smtp.auth == [[b"", b"wiki@example.org", b"s3cret"]]
        assert any("bob@example.org" in line for line in smtp.envelope)
        assert b"Subject: Hello" in smtp.messages[0] and b"From: Wiki <wiki@example.org>" in smtp.messages[0]
        assert outbox(instance_dir) == []
        smtp.refuse = True
        with app.test_request_context(), pytest.raises(mail.MailError):
            mail.send_mail("bob@example.org", "Hello", "Text")
    finally:
        app.extensions["bocage.search"].close()


def test_an_unreachable_server_is_an_error_the_sign_up_survives(instance_dir):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]               # nobody listens there once closed
    _settings(instance_dir, mail={"host": "127.0.0.1", "port": port, "starttls": False},
              accounts={"signup": "open"})
    app = create_app(instance_dir, config={"TESTING": True})
    try:
        client = app.test_client()
        client.set_cookie("lang", "en")
        from conftest import csrf_token
        r = client.post("/inscription", data={"csrf_token": csrf_token(client, "/inscription"),
                                              "username": "Maëlle", "email": "maelle@example.org",
                                              "password": "un-bon-mot-de-passe",
                                              "password2": "un-bon-mot-de-passe"})
        assert r.status_code == 200 and "Check your mailbox" in r.get_data(as_text=True)
        with app.app_context():
            from wiki.accounts.models import Account
            assert Account.get(Account.email == "maelle@example.org").status == "unconfirmed"
    finally:
        app.extensions["bocage.search"].close()


def test_outbox_true_keeps_messages_even_with_a_host(instance_dir):
    _settings(instance_dir, mail={"host": "smtp.invalid", "outbox": True})
    app = create_app(instance_dir, config={"TESTING": True})
    try:
        with app.test_request_context():
            assert mail.send_mail("x@example.org", "S", "T") is not None
        assert len(outbox(instance_dir)) == 1
    finally:
        app.extensions["bocage.search"].close()


@pytest.mark.parametrize("sections, message", [
    ({"mail": {"port": "25"}}, "port must be a whole number"),
    ({"mail": {"port": 0}}, "port must be a whole number"),
    ({"mail": {"starttls": "yes"}}, "starttls must be true or false"),
    ({"mail": {"sender": "a@b.org\nBcc: c@d.org"}}, "sender must be a one-line string"),
    ({"mail": {"base_url": "ftp://x"}}, "base_url must start with https://"),
    ({"accounts": {"signup": "everyone"}}, 'signup must be "open", "invitation" or "closed"'),
    ({"accounts": "open"}, "must be tables"),
])
def test_bad_settings_are_explained_at_start(instance_dir, sections, message):
    _settings(instance_dir, **sections)
    with pytest.raises(InstanceError) as error:
        load_instance(instance_dir)
    assert message in str(error.value)


def test_the_demo_instances_open_sign_up_and_keep_mail_in_the_outbox():
    from pathlib import Path
    import tomllib
    for folder in sorted((Path(__file__).parent.parent / "instances.example").iterdir()):
        raw = tomllib.loads((folder / "instance.toml").read_text(encoding="utf-8"))
        assert raw["accounts"]["signup"] == "open", folder
        assert raw["mail"]["outbox"] is True, folder
        assert mail.parse_settings(raw["mail"], raw["domain"]).base_url.startswith("http://127.0.0.1:")
