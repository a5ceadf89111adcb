"""Bearer-token authentication for the API's writing routes."""
import functools

from flask import g
from flask_babel import gettext as _

from ..errors import error_response
from ..rights import bearer_token


def token_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        found = bearer_token()
        if found is None:
            response = error_response(_("A valid API token is required: send “Authorization: Bearer "
                                        "<token>” (create one with `bocage token create`)."), 401)
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="bocage"'
            return response
        g.api_token = found
        return view(*args, **kwargs)
    return wrapper
