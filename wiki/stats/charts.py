"""Small SVG charts drawn on the server: no script, no style attribute (the CSP's style-src
'self' forbids them), only presentation attributes. Each chart has a viewBox (it scales to its
box), role="img" with a <title> and a <desc> for screen readers, and a <title> per bar as
tooltip. Every label goes through markupsafe's escape: page names and fiche values are
people's text. The same numbers are in a table next to each chart and in its CSV.
"""
from flask_babel import gettext as _
from markupsafe import Markup, escape

BAR, AXIS, TEXT, GRID = "#3b7a57", "#6b7165", "#222", "#d9dcd3"
FONT = 'font-family="sans-serif" font-size="11"'
LABEL_CHARS = 32


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    label = str(label)
    return label if len(label) <= chars else label[:chars - 1] + "…"


def _head(uid: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-labelledby="{uid}-t {uid}-d" class="chart">',
            f'<title id="{uid}-t">{escape(title)}</title>', f'<desc id="{uid}-d">{escape(desc)}</desc>']


def _desc(rows) -> str:
    if not rows:
        return _("No data.")
    top = max(rows, key=lambda r: r[1])
    return _("%(num)d values, total %(total)d, highest %(top)d (%(label)s).", num=len(rows),
             total=sum(v for _label, v in rows), top=top[1], label=top[0])


def _nice_max(value: int) -> int:
    """A round, even number at or above `value` for the top of the axis: the middle line is a
    whole number too (counts have no halves: 1 gave "0.5", 25 gave "12.5")."""
    if value < 10:
        return max(2, value + value % 2)
    step = 10 ** (len(str(value)) - 1)          # 10 or more: any multiple of it halves evenly
    for k in (1, 2, 3, 4, 5, 6, 8, 10):
        if value <= k * step:
            return k * step
    return value


def bars(rows: list[tuple[str, int]], title: str, uid: str, *, width: int = 720, height: int = 240,
         cumulative: bool = False) -> Markup:
    """Vertical bars over time (labels along the bottom, a few of them shown); `cumulative`
    draws a line with points instead (a running total)."""
    left, right, top, bottom = 44, 10, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v for _, v in rows), default=0))
    out = _head(uid, width, height, title, _desc(rows))
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}" {FONT}>'
                   f'{round(peak * frac)}</text>')     # not :g, which writes 1000000 as 1e+06
    n = max(1, len(rows))
    slot = plot_w / n
    every = max(1, -(-n // 8))          # at most about 8 labels along the axis
    points, marks = [], []
    for i, (label, value) in enumerate(rows):
        x = left + i * slot
        h = plot_h * value / peak
        tip = f"<title>{escape(label)}: {value}</title>"
        if cumulative:
            cx, cy = x + slot / 2, top + plot_h - h
            points.append(f"{cx:.1f},{cy:.1f}")
            marks.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{BAR}">{tip}</circle>')
        else:
            marks.append(f'<rect x="{x + slot * 0.1:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.8:.1f}" '
                       f'height="{h:.1f}" fill="{BAR}">{tip}</rect>')
        if i % every == 0:
            marks.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                       f'fill="{AXIS}" {FONT}>{escape(_short(label, 12))}</text>')
    if cumulative and points:
        out.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    out += marks
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}"/>')
    out.append("</svg>")
    return Markup("".join(out))


def hbars(rows: list[tuple[str, int]], title: str, uid: str, *, width: int = 720) -> Markup:
    """Horizontal bars, one per labelled value (top pages, themes, communes), largest first."""
    label_w, right, row_h, top = 230, 50, 22, 6
    height = top * 2 + row_h * max(1, len(rows))
    peak = max((v for _, v in rows), default=0) or 1
    out = _head(uid, width, height, title, _desc(rows))
    plot_w = width - label_w - right
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * value / peak
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="{TEXT}" {FONT}>'
                   f'{escape(_short(label))}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{BAR}">'
                   f'<title>{escape(label)}: {value}</title></rect>')
        out.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" fill="{TEXT}" {FONT}>{value}</text>')
    out.append("</svg>")
    return Markup("".join(out))
