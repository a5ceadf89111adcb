"""The fiches part of the OpenAPI document (merged into it by wiki/api/openapi.py)."""

FORM_ID = {"name": "form_id", "in": "path", "required": True,
           "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
           "description": "initiatives, agenda, lieux, or an instance's own form"}
ENTRY_NAME = {"name": "name", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}}
FILTERS = [
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words (accents ignored)"},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "Fiches ending on or after this day (recurring events included)"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "Fiches starting on or before this day"},
    {"name": "bbox", "in": "query", "schema": {"type": "string"},
     "description": "west,south,east,north in degrees"},
]
FACETS = ("Any choice, multiple-choice or tags field of the form is a filter too, repeatable: "
          "?themes=Mobilité&themes=Énergie&commune=Redon (values of one field: any of them; "
          "several fields: all of them).")
PAGING = [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["published", "pending"]},
           "description": "pending: fiches waiting for moderation (with a token)"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
          {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
          {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["title", "updated", "date"]}}]


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description):
    return _json(_ref("Error"), description)


SCHEMAS = {
    "Form": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "moderation": {"type": "boolean"}, "title_field": {"type": "string"},
        "url": {"type": "string"}, "entries": {"type": "string"},
        "fields": {"type": "array", "items": _ref("Field")}}},
    "Field": {"type": "object", "required": ["id", "type"], "properties": {
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["text", "markdown", "date", "dates", "recurrence", "image",
                                            "file", "url", "email", "phone", "geo", "choice", "multiple",
                                            "tags", "entry"]},
        "label": {"type": "string"}, "help": {"type": "string"}, "required": {"type": "boolean"},
        "private": {"type": "boolean", "description": "Only given to requests with a token"},
        "list": {"type": "string"}, "choices": {"type": "array", "items": {"type": "string"}},
        "form": {"type": "string"}}},
    "Entry": {"type": "object", "required": ["name", "form", "title", "values"], "properties": {
        "name": {"type": "string"}, "form": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "string", "enum": ["published", "pending"]}, "url": {"type": "string"},
        "updated": {"type": "string", "format": "date-time"}, "revision": {"type": "integer"},
        "merged": {"type": "boolean"},
        "values": {"type": "object", "description": "Field id -> value: text, list of texts, "
                   "geo {adresse, lat, lon}, dates {debut, fin, fuseau}"}}},
    "EntryWrite": {"type": "object", "required": ["values"], "properties": {
        "values": {"type": "object", "description": "All the fiche's values (PUT replaces them)"},
        "base_revision": {"type": ["integer", "null"]},
        "comment": {"type": "string"}, "author": {"type": "string"}}},
    "GeocodeResults": {"type": "object", "required": ["query", "results"], "properties": {
        "query": {"type": "string"},
        "results": {"type": "array", "items": {"type": "object", "required": ["label", "lat", "lon"],
                    "properties": {"label": {"type": "string"}, "lat": {"type": "number"},
                                   "lon": {"type": "number"}}}}}},
    "EntryErrors": {"type": "object", "required": ["error", "errors"], "properties": {
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "A message per field id"}}},
}

PATHS = {
    "/api/forms": {"get": {"summary": "The forms of fiches", "operationId": "listForms",
                           "responses": {"200": _json({"type": "object", "properties": {
                               "forms": {"type": "array", "items": _ref("Form")}}}, "Forms")}}},
    "/api/forms/{form_id}": {"parameters": [FORM_ID], "get": {
        "summary": "A form and its fields", "operationId": "getForm",
        "responses": {"200": _json(_ref("Form"), "The form"), "404": _error("No such form")}}},
    "/api/forms/{form_id}/entries": {"parameters": [FORM_ID], "get": {
        "summary": "Fiches of a form, filtered", "operationId": "listEntries", "description": FACETS,
        "parameters": FILTERS + PAGING,
        "responses": {"200": _json({"type": "object", "properties": {
            "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
            "entries": {"type": "array", "items": _ref("Entry")}}}, "Fiches"),
            "400": _error("A filter is not valid"), "404": _error("No such form")}},
        "post": {"summary": "Create a fiche", "operationId": "createEntry", "security": [{"bearer": []}],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("EntryWrite")}}},
                 "responses": {"201": _json(_ref("Entry"), "Created"),
                               "400": _json(_ref("EntryErrors"), "Some fields are not valid"),
                               "401": _error("Missing or invalid token"), "404": _error("No such form")}}},
    "/api/forms/{form_id}/entries.geojson": {"parameters": [FORM_ID], "get": {
        "summary": "Fiches with a position, as GeoJSON points", "operationId": "entriesGeoJSON",
        "description": FACETS,
        "parameters": FILTERS,
        "responses": {"200": {"description": "FeatureCollection",
                              "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                      "400": _error("A filter is not valid"), "404": _error("No such form")}}},
    "/api/forms/{form_id}/entries.csv": {"parameters": [FORM_ID], "get": {
        "summary": "Fiches as CSV (the columns bocage import-csv reads)", "operationId": "entriesCSV",
        "parameters": FILTERS,
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                      "400": _error("A filter is not valid"), "404": _error("No such form")}}},
    "/api/forms/{form_id}/entries.ics": {"parameters": [FORM_ID], "get": {
        "summary": "Events of a form as an iCalendar file to subscribe to (webcal://)",
        "operationId": "entriesICal",
        "description": FACETS + " One VEVENT per fiche (UID name@domain, stable), with its RRULE "
                       "when it repeats; times with their TZID, all-day events as dates. Public "
                       "fields only. Without `from`, events of the last 365 days and later.",
        "parameters": FILTERS,
        "responses": {"200": {"description": "iCalendar (RFC 5545)",
                              "content": {"text/calendar": {"schema": {"type": "string"}}}},
                      "400": _error("A filter is not valid"),
                      "404": _error("No such form, or a form without dates")}}},
    "/api/entries/{name}/approve": {"parameters": [ENTRY_NAME], "post": {
        "summary": "Publish a fiche waiting for moderation (a moderator's or admin's token)",
        "operationId": "approveEntry", "security": [{"bearer": []}],
        "responses": {"200": _json(_ref("Entry"), "Published (approved: false if it already was)"),
                      "401": _error("Missing or invalid token"),
                      "403": _error("The token's account is not a moderator"), "404": _error("No such fiche")}}},
    "/api/entries/{name}": {"parameters": [ENTRY_NAME],
        "get": {"summary": "One fiche", "operationId": "getEntry",
                "responses": {"200": _json(_ref("Entry"), "The fiche"), "404": _error("No such fiche")}},
        "put": {"summary": "Update a fiche (merged with concurrent edits)", "operationId": "putEntry",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("EntryWrite")}}},
                "responses": {"200": _json(_ref("Entry"), "Updated"),
                              "400": _json(_ref("EntryErrors"), "Some fields are not valid"),
                              "401": _error("Missing or invalid token"), "404": _error("No such fiche"),
                              "409": _json({"type": "object", "properties": {
                                  "error": {"type": "string"}, "current_revision": {"type": "integer"},
                                  "current": {"type": "object"}, "yours": {"type": "object"}}},
                                  "The fiche changed meanwhile and the changes overlap")}}},
    "/api/geocode": {"get": {
        "summary": "Positions for an address (when the wiki has a geocoding provider)",
        "operationId": "geocode",
        "description": "Asks the provider set in instance.toml ([geocoding]); up to 5 candidates, "
                       "best first. Off by default: then 404. Answers are cached; each visitor "
                       "may ask 30 times a minute.",
        "parameters": [{"name": "q", "in": "query", "required": True,
                        "schema": {"type": "string", "maxLength": 200}, "description": "An address"}],
        "responses": {"200": _json(_ref("GeocodeResults"), "Candidates (possibly none)"),
                      "400": _error("No address, or one that is too long"),
                      "404": _error("Geocoding is off on this wiki"),
                      "429": _error("Too many requests"),
                      "502": _error("The provider cannot be reached or gave an unreadable answer")}}},
}
