"""The OpenAPI 3.1 description of the API, served at /api/openapi.json (tests check it is valid
and that every /api route is in it)."""
from flask import current_app, jsonify

from . import bp, openapi_fiches

_error = {"$ref": "#/components/schemas/Error"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    text = {400: "Invalid input", 401: "Missing or invalid token", 404: "Not found",
            409: "Conflicting concurrent edit", 413: "Text too long"}
    return {str(c): _json(_error, text[c]) for c in codes}


NAME = {"name": "name", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}}
PAGING = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}]

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Bocage wiki API", "version": "1",
             "description": "Read and write the pages of a Bocage territorial wiki."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "Created with `bocage token create DIR`."}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            "PageSummary": {"type": "object", "properties": {
                "name": {"type": "string"}, "title": {"type": "string"}, "revision": {"type": "integer"},
                "updated": {"type": "string", "format": "date-time"}, "url": {"type": "string"}}},
            "Page": {"type": "object", "required": ["name", "title", "source", "html", "revision", "updated"],
                     "properties": {
                         "name": {"type": "string"}, "title": {"type": "string"},
                         "source": {"type": "string", "description": "Markdown"},
                         "html": {"type": "string", "description": "Rendered and sanitized HTML"},
                         "revision": {"type": "integer"}, "revision_number": {"type": "integer"},
                         "created": {"type": "string", "format": "date-time"},
                         "updated": {"type": "string", "format": "date-time"},
                         "author": {"type": "string"}, "url": {"type": "string"}}},
            "Revision": {"type": "object", "properties": {
                "id": {"type": "integer"}, "number": {"type": "integer"}, "title": {"type": "string"},
                "author": {"type": "string"}, "comment": {"type": "string"},
                "action": {"type": "string", "enum": ["create", "edit", "merge", "restore", "import",
                                                      "delete", "undelete"]},
                "created": {"type": "string", "format": "date-time"}, "size": {"type": "integer"}}},
            "PageWrite": {"type": "object", "required": ["source"], "properties": {
                "source": {"type": "string", "description": "Markdown, at most 512 KB"},
                "base_revision": {"type": ["integer", "null"],
                                  "description": "The revision the text was edited from; null to create"},
                "comment": {"type": "string", "maxLength": 500}}},
            "SaveResult": {"type": "object", "required": ["name", "revision", "merged"], "properties": {
                "name": {"type": "string"}, "revision": {"type": "integer"},
                "revision_number": {"type": "integer"}, "created": {"type": "boolean"},
                "merged": {"type": "boolean", "description": "A concurrent edit was merged in"},
                "unchanged": {"type": "boolean"}, "source": {"type": "string"}}},
            "Conflict": {"type": "object", "required": ["error", "current", "yours", "merged"], "properties": {
                "error": {"type": "string"}, "conflict": {"type": "boolean"},
                "current": {"type": "object", "properties": {"revision": {"type": "integer"},
                                                             "source": {"type": "string"}}},
                "yours": {"type": "string"},
                "merged": {"type": "string", "description": "Both texts with conflict markers"}}},
            "SearchResults": {"type": "object", "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                "pages": {"type": "integer"}, "error": {"type": ["string", "null"]},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "title": {"type": "string"}, "kind": {"type": "string"},
                    "excerpt": {"type": "string", "description": "HTML with <mark> around matches"},
                    "url": {"type": "string"}}}}}},
        },
    },
    "paths": {
        "/api/pages": {"get": {
            "summary": "List pages", "operationId": "listPages", "parameters": PAGING,
            "responses": {"200": _json({"type": "object", "properties": {
                "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "pages": {"type": "array", "items": {"$ref": "#/components/schemas/PageSummary"}}}},
                "Pages by title")}}},
        "/api/pages/{name}": {
            "parameters": [NAME],
            "get": {"summary": "Read a page", "operationId": "getPage",
                    "responses": {"200": _json({"$ref": "#/components/schemas/Page"}, "The page"),
                                  **_errors(400, 404)}},
            "put": {"summary": "Create or update a page", "operationId": "putPage",
                    "security": [{"bearer": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/PageWrite"}}}},
                    "responses": {"200": _json({"$ref": "#/components/schemas/SaveResult"}, "Updated"),
                                  "201": _json({"$ref": "#/components/schemas/SaveResult"}, "Created"),
                                  "409": _json({"$ref": "#/components/schemas/Conflict"},
                                               "The page changed meanwhile and the changes overlap"),
                                  **_errors(400, 401, 413)}}},
        "/api/pages/{name}/revisions": {"get": {
            "summary": "A page's history, newest first", "operationId": "pageRevisions",
            "parameters": [NAME, *PAGING],
            "responses": {"200": _json({"type": "object", "properties": {
                "name": {"type": "string"},
                "revisions": {"type": "array", "items": {"$ref": "#/components/schemas/Revision"}}}},
                "Revisions"), **_errors(400, 404)}}},
        "/api/search": {"get": {
            "summary": "Full-text search", "operationId": "search",
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                           {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
            "responses": {"200": _json({"$ref": "#/components/schemas/SearchResults"}, "Results")}}},
        "/api/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                      "responses": {"200": {"description": "OpenAPI document"}}}},
    },
}


SPEC["components"]["schemas"].update(openapi_fiches.SCHEMAS)
SPEC["paths"].update(openapi_fiches.PATHS)


@bp.get("/openapi.json")
def openapi():
    instance = current_app.extensions["bocage.instance"]
    return jsonify({**SPEC, "info": {**SPEC["info"], "title": f"{instance.name} — Bocage wiki API"}})
