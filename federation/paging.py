"""Paginated OrderedCollections: an actor's outbox, followers and following."""
from flask import request

PAGE_SIZE = 20


def paginated(collection_id: str, query, item, total: int | None = None) -> dict:
    """The collection (with `first`/`last` links) or, with ?page=N, its page N; newest first."""
    total = query.count() if total is None else total
    pages = max(1, -(-total // PAGE_SIZE))
    page = request.args.get("page", type=int)
    if not page:
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": collection_id,
                "type": "OrderedCollection", "totalItems": total,
                "first": f"{collection_id}?page=1", "last": f"{collection_id}?page={pages}"}
    page = min(max(page, 1), pages)
    rows = query.paginate(page, PAGE_SIZE)
    doc = {"@context": "https://www.w3.org/ns/activitystreams",
           "id": f"{collection_id}?page={page}", "type": "OrderedCollectionPage",
           "partOf": collection_id, "totalItems": total, "orderedItems": [item(r) for r in rows]}
    if page < pages:
        doc["next"] = f"{collection_id}?page={page + 1}"
    if page > 1:
        doc["prev"] = f"{collection_id}?page={page - 1}"
    return doc
