"""The progress chart as SVG (matplotlib): areas of learning down, terms across; each
dot's size is the number of observations that term, its height in the area's row the
latest judgement. No scripts; text stays text, so it reads on a phone and to a screen
reader. Each area is one group (`<g id="area-KEY">`)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede the figure import

from matplotlib.figure import Figure  # noqa: E402

OFFSET = {"emerging": -0.25, "expected": 0.0, "exceeding": 0.25}


def progress_svg(progress: dict) -> bytes:
    """The chart of `projections.progress.child_progress`'s answer."""
    areas, terms = progress["areas"], progress["terms"] or ["(no observations yet)"]
    figure = Figure(figsize=(max(4.0, 1.2 * len(terms) + 3), 0.6 * len(areas) + 1.2))
    axes = figure.subplots()
    for row, area in enumerate(reversed(areas)):
        y = row + OFFSET.get(area["latest_judgement"] or "", 0.0)
        counts = [area["observations"].get(term, 0) for term in terms]
        axes.scatter(range(len(terms)), [y] * len(terms),
                     s=[30 + 40 * count for count in counts],
                     c=["tab:blue" if count else "none" for count in counts],
                     edgecolors="tab:blue", gid=f"area-{area['area']}",
                     label=area["name"])
    axes.set_yticks(range(len(areas)), [a["name"] for a in reversed(areas)], fontsize=8)
    axes.set_xticks(range(len(terms)), terms, fontsize=8)
    axes.set_xlim(-0.6, len(terms) - 0.4)
    axes.set_ylim(-0.6, len(areas) - 0.4)
    axes.set_title("Observations per term (dot size) and latest judgement (higher is "
                   "further on)", fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "progress"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
