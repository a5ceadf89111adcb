"""`bocage` commands of the federation."""


def register(group) -> None:
    pass
