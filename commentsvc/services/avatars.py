"""Identicons generated locally, so no reader's browser asks a third party for avatars."""
from xml.sax.saxutils import quoteattr

GRID = 5
CELL = 8
MARGIN = 4


def identicon_svg(digest):
    """A symmetric 5x5 identicon drawn from a hex digest (at least 16 hex digits)."""
    bits = int(digest[:16], 16)
    hue = int(digest[16:19] or "0", 16) % 360
    color = quoteattr(f"hsl({hue},55%,50%)")
    size = GRID * CELL + 2 * MARGIN
    cells = []
    half = (GRID + 1) // 2
    for col in range(half):
        for row in range(GRID):
            if bits >> (col * GRID + row) & 1:
                for x in {col, GRID - 1 - col}:
                    cells.append(
                        f'<rect x="{MARGIN + x * CELL}" y="{MARGIN + row * CELL}" '
                        f'width="{CELL}" height="{CELL}"/>'
                    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img" aria-label="avatar">'
        f'<rect width="{size}" height="{size}" fill="#eef0f3"/>'
        f'<g fill={color}>{"".join(cells)}</g></svg>'
    )
