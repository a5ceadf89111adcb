"""`?page=N` for the paginated HTML lists (recent changes, index, history...)."""
from flask import request

MAX_PAGE_NUMBER = 1_000_000   # (number - 1) * per_page stays an offset every database can take


def page_number() -> int:
    """The requested page, 1 when absent or not a number, never an offset the database refuses."""
    return min(MAX_PAGE_NUMBER, max(1, request.args.get("page", 1, type=int) or 1))
