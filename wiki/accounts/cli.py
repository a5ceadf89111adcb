"""`bocage account ...`: accounts from the server's shell (the first admin, a forgotten password)."""
import click

from .models import ROLES


def _app(directory):
    from ..cli import _app as make
    return make(directory)


@click.group()
def account():
    """Accounts: create, list, change a role or a password."""


@account.command("create")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--email", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
def create(directory, username, role, email, password):
    """Create an active account (no confirmation e-mail)."""
    from .service import AccountError, create_account
    with _app(directory).app_context():
        try:
            made = create_account(username, password, email=email, role=role)
        except AccountError as exc:
            raise click.ClickException(str(exc.message)) from None
        click.echo(f"account {made.username} ({made.role}) created")


@account.command("list")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def list_accounts(directory):
    """id, username, role, status, e-mail."""
    from .models import Account
    with _app(directory).app_context():
        for a in Account.select().order_by(Account.id):
            click.echo(f"{a.id}\t{a.username}\t{a.role}\t{a.status}\t{a.email or ''}")


@account.command("role")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(directory, username, role):
    """Give an account another role."""
    from .models import Account
    from .service import find_account
    with _app(directory).app_context():
        found = find_account(username)
        if found is None:
            raise click.ClickException(f"no account {username!r}")
        Account.update(role=role).where(Account.id == found.id).execute()
        click.echo(f"{found.username} is now {role}")


@account.command("password")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(directory, username, password):
    """Set an account's password (its other sessions end)."""
    from .service import AccountError, find_account
    from .service import set_password as change
    with _app(directory).app_context():
        found = find_account(username)
        if found is None:
            raise click.ClickException(f"no account {username!r}")
        try:
            change(found, password)
        except AccountError as exc:
            raise click.ClickException(str(exc.message)) from None
        click.echo(f"password of {found.username} changed")
