"""Full-text search (whoosh, French analysis) for wiki pages and entries; no Flask/peewee here."""

from .index import SearchDoc, SearchHit, SearchIndex, SearchIndexLocked, SearchResults, plain_text

__all__ = ["SearchDoc", "SearchHit", "SearchIndex", "SearchIndexLocked", "SearchResults", "plain_text"]
