"""Moderation tools: undoing vandalism, watching pages, keeping spam out."""
