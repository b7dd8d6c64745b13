"""Server-side SVG charts: the geometry of each chart, computed here and drawn by small
templates (templates/desk/charts/), so a chart is plain markup in the page.

No chart library and no JavaScript: the figures are a few bars and one grid, which
twenty lines of arithmetic draw exactly; the page stays one HTTP response that works
without scripts, under our CSP, and prints. Each chart is decoration for sighted users
(role="img" with a name); the table beside it carries the same numbers for everyone.
"""

from dataclasses import dataclass

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 190
PLOT_WIDTH = 420
VALUE_WIDTH = 90


@dataclass
class Bar:
    label: str
    text: str  # the value as shown at the end of the bar
    y: int
    width: float
    part_width: float | None = None  # a second, overlaid measure (booked within available)


@dataclass
class BarChart:
    title: str
    bars: list
    height: int
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH
    value_x: int = LABEL_WIDTH + PLOT_WIDTH + 8

    @property
    def width(self):
        return LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH


def bar_chart(title, items, *, scale_max=None):
    """Horizontal bars: `items` are (label, value, text) or (label, value, text, part)."""
    items = list(items)
    top = scale_max or max((item[1] or 0 for item in items), default=0) or 1
    bars = []
    for i, item in enumerate(items):
        label, value, text = item[0], item[1] or 0, item[2]
        part = item[3] if len(item) > 3 else None
        bars.append(
            Bar(
                label=label,
                text=text,
                y=i * (BAR_HEIGHT + BAR_GAP),
                width=round(PLOT_WIDTH * min(value / top, 1), 1),
                part_width=None if part is None else round(PLOT_WIDTH * min(part / top, 1), 1),
            )
        )
    height = max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(title=title, bars=bars, height=height)


@dataclass
class Cell:
    x: int
    y: int
    level: int  # 0 (none) to 5 (the busiest), a CSS class
    count: int


@dataclass
class HeatChart:
    title: str
    cells: list
    columns: list  # (x, hour)
    rows: list  # (y, weekday label)
    width: int
    height: int


CELL = 30
HEAT_LEFT = 48
HEAT_TOP = 22
LEVELS = 5


def heat_chart(title, heat_map):
    cells, rows = [], []
    for r, (label, counts) in enumerate(heat_map.rows):
        y = HEAT_TOP + r * CELL
        rows.append((y + CELL // 2 + 4, label))
        for c, count in enumerate(counts):
            level = 0 if not count else max(1, round(LEVELS * count / heat_map.peak))
            cells.append(Cell(x=HEAT_LEFT + c * CELL, y=y, level=level, count=count))
    columns = [(HEAT_LEFT + c * CELL + CELL // 2, hour) for c, hour in enumerate(heat_map.hours)]
    return HeatChart(
        title=title,
        cells=cells,
        columns=columns,
        rows=rows,
        width=HEAT_LEFT + len(heat_map.hours) * CELL + 4,
        height=HEAT_TOP + len(heat_map.rows) * CELL + 4,
    )
