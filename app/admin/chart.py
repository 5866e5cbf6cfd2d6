"""A small bar chart drawn as SVG on the server: geometry here, markup in the template."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    #: whether the label is written under the bar (every few bars, so labels do not collide)
    tick: bool


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    top: int

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)


def bar_chart(
    values: list[tuple[str, int]], width: int = 720, height: int = 200, tick_every: int = 3
) -> BarChart:
    """Bars scaled so the largest value fills the plot; a zero draws no bar."""
    label_room, head_room = 22.0, 18.0
    baseline = height - label_room
    plot = baseline - head_room
    top = max((count for _, count in values), default=0)
    slot = width / max(len(values), 1)
    bars = []
    for index, (label, count) in enumerate(values):
        bar_height = round(plot * count / top, 1) if top else 0.0
        bars.append(Bar(
            label=label,
            count=count,
            x=round(index * slot + slot * 0.15, 1),
            y=round(baseline - bar_height, 1),
            width=round(slot * 0.7, 1),
            height=bar_height,
            tick=index % tick_every == 0,
        ))
    return BarChart(bars=bars, width=width, height=height, baseline=baseline, top=top)
