"""`bocage` commands of the federation: worker, follow, unfollow, follow requests, blocks."""
import signal
import threading

import click


def _app(directory):
    from wiki.cli import _app as make
    return make(directory)


def register(group) -> None:
    group.add_command(worker)
    group.add_command(follow)
    group.add_command(unfollow)
    group.add_command(followers)
    group.add_command(block)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--once", is_flag=True, help="Deliver what is due, until nothing is, then exit.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when nothing is due.")
def worker(directory, once, idle):
    """Deliver the queued activities (runs until stopped)."""
    from .worker import run, run_once
    app = _app(directory)
    if once:
        total = handled = run_once(app)
        while handled:
            handled = run_once(app)
            total += handled
        click.echo(f"{total} deliveries handled.")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Delivering for {directory} (Ctrl-C stops).")
    run(app, stop, idle=idle)


def _on_remote(directory, handle, local, action):
    """Resolve `handle`, then `action(local, remote actor)` in a request context; the actor."""
    from . import resolve
    app = _app(directory)
    with app.test_request_context():
        local = local or app.extensions["bocage.instance"].slug
        try:
            target = resolve.actor(handle)
        except resolve.RemoteError as exc:
            raise click.ClickException(str(exc)) from None
        if action(local, target) is False:
            raise click.ClickException(f"{local} does not follow {target.url}")
    return local, target


_HANDLE = click.argument("handle")
_AS = click.option("--as", "local", default="", help="Our actor that follows (default: the territory).")


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@_HANDLE
@_AS
def follow(directory, handle, local):
    """Follow a remote actor: @name@host (WebFinger) or its URL."""
    from .activities.follow import follow as send_follow
    local, target = _on_remote(directory, handle, local, send_follow)
    click.echo(f"{local} asked to follow {target.url}; the worker delivers the request.")


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@_HANDLE
@_AS
def unfollow(directory, handle, local):
    """Stop following a remote actor (@name@host or its URL): sends Undo."""
    from .activities.follow import unfollow as send_undo
    local, target = _on_remote(directory, handle, local, send_undo)
    click.echo(f"{local} no longer follows {target.url}.")


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--accept", "accept", default="", metavar="ACTOR_URL", help="Accept this pending follower.")
@click.option("--reject", "reject", default="", metavar="ACTOR_URL", help="Reject this pending follower.")
@click.option("--of", "local", default="", help="Our actor (default: the territory).")
def followers(directory, accept, reject, local):
    """List the followers (pending ones first), or accept / reject a pending one."""
    from .activities.follow import decide
    from .models import Follower
    app = _app(directory)
    with app.test_request_context():
        local = local or app.extensions["bocage.instance"].slug
        if accept or reject:
            if not decide(local, accept or reject, accept=bool(accept)):
                raise click.ClickException(f"{accept or reject} does not follow {local}")
            click.echo("Done.")
            return
        for row in Follower.select().order_by(Follower.status.desc(), Follower.actor):
            click.echo(f"{row.local}\t{row.status}\t{row.actor}")


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("domain", required=False)
@click.option("--remove", is_flag=True, help="Unblock the domain (or actor).")
@click.option("--actor", "actor", is_flag=True, help="DOMAIN is an actor's address (https://…): block that actor only.")
@click.option("--reason", default="")
def block(directory, domain, remove, actor, reason):
    """Block a domain (its activities get 403, nothing is fetched from it, its follows go, its
    commons are hidden) or, with --actor, one actor; without DOMAIN, list the blocks."""
    from . import blocklist, moderation
    app = _app(directory)
    with app.test_request_context():
        if not domain:
            for row in blocklist.blocked():
                click.echo(f"{row.domain}\t{row.reason}")
            for row in blocklist.blocked_actors():
                click.echo(f"{row.url}\t{row.reason}")
            return
        if actor:
            changed = moderation.unblock_actor(domain) if remove else moderation.block_actor(domain, reason)
        else:
            changed = moderation.unblock_domain(domain) if remove else moderation.block_domain(domain, reason)
    click.echo(("unblocked " if remove else "blocked ") + domain if changed is not None else "nothing to change")
