"""The HTML side of the wiki, one blueprint per concern."""
