"""The `bocage` command: create, serve, import into and maintain instances."""
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from . import extensions
from .instance import InstanceError, init_instance, load_instance

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "instances.example"
DEMO = [("pays-de-redon", 5001), ("lormes", 5002)]


def _app(directory):
    from . import create_app
    try:
        return create_app(directory)
    except InstanceError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="bocage")
def main():
    """Bocage: federated territorial wikis."""


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", required=True, help="Name of the territory, e.g. \"Pays de Redon\".")
@click.option("--domain", required=True, help="Host name (and port) the wiki is reached at.")
@click.option("--language", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
def init(directory, name, domain, language):
    """Create an instance folder with its settings, data folder, secrets and a home page."""
    from .content.welcome import create_home_page
    new = not (Path(directory) / "instance.toml").exists()
    instance = init_instance(directory, name, domain, language=language)
    app = _app(directory)   # creates the database and applies the migrations
    if new:
        create_home_page(app)   # a new wiki opens on a welcome page, not on "no such page"
    click.echo(f"Instance “{instance.name}” ready in {instance.path}")
    click.echo(f"Run it with: bocage serve {directory}")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--access-log/--no-access-log", default=False)
@click.option("--background/--no-background", default=True, show_default=True,
              help="Also run the extensions' background services (the delivery worker).")
def serve(directory, host, port, workers, access_log, background):
    """Serve an instance with the production server (gunicorn)."""
    from .server import InstanceServer
    app = _app(directory)   # fail early, with a readable message, and apply migrations once
    stoppers = extensions.start_background(app) if background else []
    click.echo(f"Serving {directory} on http://{host}:{port}/")
    try:
        InstanceServer(directory, host=host, port=port, workers=workers, access_log=access_log).run()
    finally:
        for stop in stoppers:
            stop()


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def migrate(directory):
    """Apply pending database migrations (serve does it too)."""
    _app(directory)
    click.echo("Database up to date.")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def reindex(directory):
    """Rebuild the full-text search index from the database."""
    from .content.queries import live_pages
    from .indexing import reindex as rebuild
    app = _app(directory)
    with app.app_context():
        total = live_pages().count()
        started = time.perf_counter()
        with click.progressbar(length=total, label="Indexing") as bar:
            count = rebuild(progress=bar.update)
    click.echo(f"{count} pages indexed in {time.perf_counter() - started:.1f} s.")


@main.command("import-markdown")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--author", default="import", show_default=True)
def import_markdown_command(directory, folder, author):
    """Import a folder of Markdown files as pages."""
    from .content.importer import import_markdown, markdown_files
    app = _app(directory)
    files = markdown_files(folder)
    with app.test_request_context():
        with click.progressbar(length=len(files), label="Importing") as bar:
            summary = import_markdown(files, root=Path(folder), author=author, progress=bar.update)
    click.echo(f"{len(summary.created)} created, {len(summary.updated)} updated, "
               f"{len(summary.unchanged)} unchanged, {len(summary.failed)} failed.")
    for file, reason in summary.failed:
        click.echo(f"  {file}: {reason}", err=True)
    if summary.failed:
        sys.exit(1)


@main.command("import-csv")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("form_id", metavar="FORM")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every line, save nothing.")
@click.option("--keep-going", is_flag=True, help="Save the good lines even if some are bad.")
@click.option("--author", default="import", show_default=True)
def import_csv_command(directory, form_id, file, dry_run, keep_going, author):
    """Import fiches of FORM from a CSV file (columns: the form's field ids)."""
    app = _app(directory)
    with app.test_request_context():
        summary = _import_fiches(app, form_id, Path(file), apply=not dry_run, keep_going=keep_going,
                                 author=author)
    if summary.errors:
        sys.exit(1)


def _import_fiches(app, form_id, path: Path, **options):
    from .fiches.csvio import import_csv
    form = app.extensions["bocage.catalogue"].form(form_id)
    if form is None:
        raise click.ClickException(f"no form {form_id!r} (forms: {', '.join(app.extensions['bocage.catalogue'].forms)})")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text (save it as “CSV UTF-8”)") from None
    lines = max(0, text.count("\n") - 1)
    with click.progressbar(length=lines, label=f"{form_id}: importing") as bar:
        report = import_csv(form, text, progress=bar.update, **options)
    click.echo(f"{form_id}: {report.checked} lines checked, {len(report.created)} created, "
               f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
               f"{len(report.errors)} with errors.")
    if report.unknown_columns:
        click.echo(f"  columns ignored (not fields of {form_id}): {', '.join(report.unknown_columns)}", err=True)
    for number, reason in report.errors:
        click.echo(f"  line {number}: {reason}", err=True)
    if report.errors and not options.get("keep_going"):
        click.echo("  nothing saved: fix these lines, or use --keep-going to save the good ones.", err=True)
    return report


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--label", default="api", show_default=True, help="Shown as the token's name in lists.")
@click.option("--account", "username", default="", help="Whose rights it carries (default: the first admin).")
def token_create(directory, label, username):
    """Create an API token for an account and print it (it is not shown again)."""
    from .accounts.models import Account
    from .accounts.service import find_account
    from .accounts.tokens import create_token
    with _app(directory).app_context():
        account = (find_account(username) if username else
                   Account.select().where(Account.role == "admin").order_by(Account.id).first())
        if account is None:
            raise click.ClickException(f"no account {username!r}" if username else
                                       "no admin account yet: `bocage account create DIR NAME --role admin`")
        click.echo(create_token(label, account.id))


@token.command("list")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def token_list(directory):
    """List the API tokens: id, label, account, created, last used, revoked (never the tokens)."""
    from .accounts.models import Account
    from .models import ApiToken
    with _app(directory).app_context():
        names = {a.id: a.username for a in Account.select(Account.id, Account.username)}
        for t in ApiToken.select().order_by(ApiToken.id):
            used = t.last_used.isoformat(timespec="minutes") if t.last_used else "never used"
            click.echo(f"{t.id}\t{t.label}\t{names.get(t.account, '-')}\tcreated {t.created.isoformat(timespec='minutes')}\t{used}"
                       f"{chr(9) + 'REVOKED' if t.revoked else ''}")


@token.command("revoke")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("token_id", type=int)
def token_revoke(directory, token_id):
    """Revoke an API token (its id from `bocage token list`): the API refuses it at once, and an
    administrator signed in with it is signed out at their next request."""
    from .models import ApiToken
    with _app(directory).app_context():
        if ApiToken.update(revoked=True).where(ApiToken.id == token_id).execute() == 0:
            raise click.ClickException(f"there is no token {token_id} (see `bocage token list`)")
        click.echo(f"token {token_id} revoked")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--setup-only", is_flag=True, help="Prepare the demo territories and exit.")
def demo(host, workers, setup_only):
    """Prepare and run the example territories: Pays de Redon on :5001, Lormes on :5002."""
    for slug, port in DEMO:
        _prepare_demo(EXAMPLES / slug, f"{host}:{port}")
    if setup_only:
        return
    children = [subprocess.Popen([sys.executable, "-m", "wiki.cli", "serve", str(EXAMPLES / slug),
                                  "--host", host, "--port", str(port), "--workers", str(workers)])
                for slug, port in DEMO]
    for (slug, port) in DEMO:
        password = (EXAMPLES / slug / "data" / DEMO_ADMIN_FILE).read_text().strip()
        click.echo(f"{slug}: http://{host}:{port}/  (administrator: admin / {password})")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(timeout=15)


DEMO_ADMIN_FILE = "demo-admin-password.txt"


def _prepare_demo(folder: Path, domain: str) -> None:
    """Complete an example folder (data, secrets), import its pages the first time, make its
    administrator "admin" (password in data/, shown at start) and lock its home page."""
    from .accounts.models import AccessRule, Account
    from .accounts.service import create_account
    from .content.importer import import_markdown, markdown_files
    from .content.pages import as_instance, page_count
    from .models import Entry
    instance = load_instance(folder, create_secrets=True)
    init_instance(folder, instance.name, domain)
    app = _app(folder)
    with app.test_request_context(), as_instance():
        if not Account.select().where(Account.role == "admin").exists():
            password = secrets.token_urlsafe(9)
            create_account("admin", password, role="admin")
            (instance.data / DEMO_ADMIN_FILE).write_text(password + "\n")
            AccessRule.get_or_create(target=f"page:{instance.home}", defaults={"edit": "admins"})
        if page_count() == 0:
            files = markdown_files(folder / "pages")
            summary = import_markdown(files, root=folder / "pages", author=instance.name)
            click.echo(f"{instance.name}: {len(summary.created)} pages imported.")
        if not Entry.select().exists():
            for path in sorted((folder / "fiches").glob("*.csv")):
                _import_fiches(app, path.stem, path, apply=True, keep_going=True, author=instance.name)


from .accounts.cli import account  # noqa: E402
main.add_command(account)
from .rights_cli import rights_command  # noqa: E402
main.add_command(rights_command)
extensions.register_commands(main)     # commands of the extensions (`bocage worker`, `bocage follow`...)

if __name__ == "__main__":
    main()
