"""Content services: the only code that writes pages and revisions (views, API, CLI all call it)."""
