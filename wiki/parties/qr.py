"""The QR code of a party's join address, as SVG made on the server (segno, no JavaScript):
shown big on the party's screen so that phones join without typing the code."""
import io

import segno

OPTIONS = {"kind": "svg", "scale": 10, "border": 4, "dark": "#000", "light": "#fff",
           "xmldecl": True, "omitsize": True}


def make(url: str):
    """The QR code of `url` (error correction M, raised when the symbol has room)."""
    return segno.make(url, error="m", micro=False)


def svg(url: str) -> bytes:
    out = io.BytesIO()
    make(url).save(out, **OPTIONS)
    return out.getvalue()
