"""The audit log's writer: wiki/audit.py (accounts) when it is there, else a minimal one."""
try:
    from ..audit import record  # noqa: F401
except ImportError:                       # pragma: no cover - until the accounts' module is merged
    from ._audit import record  # noqa: F401
