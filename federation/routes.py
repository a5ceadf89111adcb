"""The federation's HTTP endpoints (blueprint `federation`, exempt from CSRF: peers sign)."""
import json

from flask import Blueprint, abort, jsonify, redirect, request

from . import actors, commons, inbox, nodeinfo, paging, urls, visibility, webfinger
from .models import Follower, Following, OutboxActivity
from .negotiation import activity_response, wants_activity

bp = Blueprint("federation", __name__)


@bp.get("/.well-known/webfinger")
def webfinger_view():
    resource = request.args.get("resource", "")
    if not resource:
        return jsonify(error="resource is required"), 400
    name = webfinger.resource_actor(resource)
    if name is None:
        return jsonify(error="no such actor here"), 404
    response = jsonify(webfinger.response(name))
    response.content_type = "application/jrd+json"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/nodeinfo")
def nodeinfo_links():
    return jsonify(nodeinfo.discovery())


@bp.get("/nodeinfo/2.1")
def nodeinfo_document():
    response = jsonify(nodeinfo.document())
    response.content_type = f'application/json; profile="{nodeinfo.SCHEMA}#"'
    return response


def _actor_or_404(name: str) -> dict:
    doc = actors.document(name)
    if doc is None or not visibility.actor_public(name):
        abort(404)
    return doc


@bp.get("/ap/actors/<name>")
def actor(name):
    doc = _actor_or_404(name)
    if not wants_activity():
        return redirect(doc["url"])
    return activity_response(doc)


@bp.get(f"/ap/{urls.INSTANCE_ACTOR}")
def instance_actor():
    return activity_response(actors.instance_document())


@bp.get("/ap/actors/<name>/outbox")
def outbox(name):
    _actor_or_404(name)
    query = visibility.without_private(OutboxActivity.select().where(OutboxActivity.local == name),
                                       OutboxActivity).order_by(OutboxActivity.id.desc())
    return activity_response(paging.paginated(f"{urls.actor(name)}/outbox", query,
                                              lambda row: json.loads(row.document)))


@bp.get(f"/ap/{urls.INSTANCE_ACTOR}/outbox")
def instance_outbox():
    return activity_response(paging.paginated(f"{urls.instance_actor()}/outbox",
                                              OutboxActivity.select().where(False), dict, total=0))


@bp.get("/ap/actors/<name>/followers", defaults={"model": Follower, "box": "followers"})
@bp.get("/ap/actors/<name>/following", defaults={"model": Following, "box": "following"})
def relations(name, model, box):
    """The accepted followers (or followings) of our actor `name`: remote actor ids."""
    _actor_or_404(name)
    query = (model.select().where((model.local == name) & (model.status == "accepted"))
             .order_by(model.id.desc()))
    return activity_response(paging.paginated(f"{urls.actor(name)}/{box}", query, lambda r: r.actor))


@bp.get("/ap/activities/<uid>")
def activity(uid):
    row = OutboxActivity.get_or_none(OutboxActivity.uid == uid)
    if row is None or not visibility.object_public(row.object_id):
        abort(404)
    return activity_response(json.loads(row.document))


@bp.post("/ap/inbox")
@bp.post(f"/ap/{urls.INSTANCE_ACTOR}/inbox")
def shared_inbox():
    return inbox.receive(None)


@bp.post("/ap/actors/<name>/inbox")
def actor_inbox(name):
    _actor_or_404(name)
    return inbox.receive(name)


@bp.get("/communs")
def commons_page():
    return commons.page()
