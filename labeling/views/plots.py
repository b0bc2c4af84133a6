"""Server-side figures for the agreement pages (matplotlib, Agg backend, SVG)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: figures are rendered to bytes
import matplotlib.pyplot as plt  # noqa: E402

MAX_RATERS_SHOWN = 12


def confusion_heatmap_svg(per_rater: dict[str, dict[str, Any]], emails: dict[str, str]) -> bytes:
    """One heatmap per rater (up to 12): rows the true label (Dawid–Skene), columns the label
    given, each cell P(given | true) printed in it. Raters without a fitted matrix are skipped."""
    raters = [(r, s["ds_confusion"]) for r, s in per_rater.items() if s.get("ds_confusion")]
    raters = raters[:MAX_RATERS_SHOWN]
    if not raters:
        figure, axis = plt.subplots(figsize=(5, 1.2))
        axis.axis("off")
        axis.text(0.5, 0.5, "No Dawid–Skene confusion yet (no labels)", ha="center", va="center")
        return _svg(figure)
    columns = min(4, len(raters))
    rows = (len(raters) + columns - 1) // columns
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.6 * columns + 1.0, 3.2 * rows), squeeze=False, layout="constrained"
    )
    image = None
    for index, (axis, (rater, confusion)) in enumerate(zip(axes.flat, raters, strict=False)):
        # The same label order on both axes, so the diagonal is "agrees with the truth".
        given = sorted({label for row in confusion.values() for label in row} | set(confusion))
        truths = [label for label in given if label in confusion]
        values = [[confusion[t].get(g, 0.0) for g in given] for t in truths]
        image = axis.imshow(values, cmap="Blues", vmin=0.0, vmax=1.0)
        axis.set_xticks(range(len(given)), [g.replace("_", " ") for g in given], rotation=30, ha="right")
        first_column = index % columns == 0
        axis.set_yticks(range(len(truths)), [t.replace("_", " ") for t in truths] if first_column else [])
        axis.set_xlabel("label given")
        if first_column:
            axis.set_ylabel("true label (Dawid–Skene)")
        axis.set_title(emails.get(rater, f"rater {rater}"), fontsize=9)
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                axis.text(
                    j, i, f"{value:.2f}", ha="center", va="center", color="white" if value > 0.6 else "black"
                )
    for axis in list(axes.flat)[len(raters) :]:
        axis.axis("off")
    if image is not None:
        figure.colorbar(image, ax=axes, shrink=0.8, label="P(label given | true label)")
    return _svg(figure)


def _svg(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
