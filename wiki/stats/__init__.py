"""Statistics without tracking: page views counted on the server (wiki/stats/counter.py), the
other figures read from the tables the wiki keeps anyway (wiki/stats/figures.py), drawn as SVG
on the server (wiki/stats/charts.py) for the dashboard (wiki/views/admin_stats.py).

`[statistics] enabled = false` in instance.toml: no view is counted (the hook is not installed).
"""
COUNTER_KEY = "bocage.viewcounter"


def init_app(app):
    from .hook import install
    if app.extensions["bocage.instance"].statistics_enabled:
        install(app)


def counter_of(app):
    """The app's ViewCounter, or None when statistics are off."""
    return app.extensions.get(COUNTER_KEY)
