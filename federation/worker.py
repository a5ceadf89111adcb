"""The delivery worker."""


def start_thread(app):
    return lambda: None
