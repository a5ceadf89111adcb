"""Reject of one of our Follows (or a follow ended by the other side)."""
from .accept import _settle


def received(activity: dict, sender):
    return _settle(activity, sender, "rejected")
