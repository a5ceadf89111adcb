"""Wiki parties ("fêtes du wiki"): an admin or moderator opens one for a place and a few hours;
participants join with a short code (or its QR code) and edit under a pseudonym, without an
account, while it runs; a live board shows what it produced; when it ends its tally is written
as a page.

models.py the table, service.py opening, joining and whether a party runs, board.py what a
party produced, tally.py closing ended parties and writing their tally, qr.py the QR code.
Nothing is imported here: wiki/models.py imports models.py while the content layer loads.
"""
