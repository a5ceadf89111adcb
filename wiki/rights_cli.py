"""`bocage rights DIR TARGET --read R --edit R`: access rules from the server's shell.

TARGET is `instance`, `page:<name>` or `form:<id>`; a rule is all, signed_in, group:NAME,
moderators or admins (wiki/rights.py). `--clear` removes a page's or form's rule; with no option
the rule in force is printed. Written through wiki/rights_rules.py, audit log included.
"""
import click


@click.command("rights")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("target")
@click.option("--read", "read", default=None, help="Who may read: all, signed_in, group:NAME, moderators, admins.")
@click.option("--edit", "edit", default=None, help="Who may edit (same values).")
@click.option("--clear", is_flag=True, help="Remove the rule of this page or form.")
def rights_command(directory, target, read, edit, clear):
    """Show or set who may read and who may edit the wiki, a page or a form."""
    from .cli import _app
    from .content.pages import ContentError
    from . import rights_rules
    with _app(directory).app_context():
        try:
            rights_rules.check_target(target)
            before = rights_rules.current(target)
            if clear:
                done = rights_rules.clear_rule(target)
                click.echo(f"{target}: rule removed" if done else f"{target}: had no rule of its own")
                return
            if read is None and edit is None:
                shown = before or ("all", "all")
                click.echo(f"{target}\tread={shown[0]}\tedit={shown[1]}" + ("" if before else "\t(no rule of its own)"))
                return
            current = before or ("all", "all")
            rights_rules.set_rule(target, read or current[0], edit or current[1])
        except ContentError as exc:
            raise click.ClickException(str(exc.message)) from None
        after = rights_rules.current(target)
        click.echo(f"{target}\tread={after[0]}\tedit={after[1]}")
