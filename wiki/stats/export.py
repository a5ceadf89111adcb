"""CSV of a figure, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) is read as a formula by
spreadsheets ("CSV injection"): page names and fiche values are people's text, so such a cell
gets a leading apostrophe, which spreadsheets show as text. Numbers are written as they are.
UTF-8 with a byte-order mark, so that spreadsheets in French open accents correctly.
"""
import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff" + out.getvalue()
