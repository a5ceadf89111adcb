"""Rendering pipeline: Markdown to HTML, and the one HTML sanitizer (sanitize.py)."""
