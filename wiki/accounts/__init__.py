"""People: accounts (passwords, e-mail confirmation, reset), groups, API tokens and sessions.
Who may do what is decided in wiki/rights.py, which reads these tables."""
