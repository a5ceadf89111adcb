"""Publishing: content events become Create / Update / Delete activities (see outbox.py)."""


def subscribe(app) -> None:
    pass
