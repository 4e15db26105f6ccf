"""Matplotlib figures for the evaluation notebooks (matplotlib is imported on first use;
it is a ``dev`` dependency, not needed to compute the metrics)."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def _plt():
    import matplotlib.pyplot as plt

    return plt


def prf_bars(per_key: pd.DataFrame, level: str = "case", title: str | None = None, ax=None):
    """F1 per finding key as bars, precision and recall as markers (sorted by F1, worst at
    the top); the label carries the gold support."""
    plt = _plt()
    frame = per_key[per_key["level"] == level].sort_values(["f1", "support"], ascending=[False, True])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.2 * len(frame) + 1.2)))
    y = list(range(len(frame)))
    ax.barh(y, frame["f1"].fillna(0), height=0.7, color="#55A868", label="F1")
    ax.scatter(frame["precision"], y, marker="|", s=90, color="#4C72B0", label="precision", zorder=3)
    ax.scatter(frame["recall"], y, marker="x", s=25, color="#C44E52", label="recall", zorder=3)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{k} (n={s})" for k, s in zip(frame["key"], frame["support"])], fontsize=7)
    ax.set_ylim(-0.7, len(frame) - 0.3)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("score")
    ax.set_title(title or f"{level}-level findings: F1 per key (markers: precision, recall)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.figure.tight_layout()
    return ax


def confusion_heatmap(matrix: pd.DataFrame, title: str = "", ax=None, drop_empty: bool = True):
    """A confusion matrix (gold rows x predicted columns) with counts in the cells."""
    plt = _plt()
    from .determinations import trim_confusion

    m = trim_confusion(matrix) if drop_empty else matrix
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * len(m.columns) + 2.5, 0.8 * len(m.index) + 1.5))
    ax.imshow(m.values, cmap="Blues")
    ax.set_xticks(range(len(m.columns)))
    ax.set_xticklabels([str(c).replace("_", "\n") for c in m.columns], fontsize=8)
    ax.set_yticks(range(len(m.index)))
    ax.set_yticklabels([str(i) for i in m.index], fontsize=8)
    ax.set_xlabel(m.columns.name or "predicted")
    ax.set_ylabel(m.index.name or "gold")
    top = m.values.max() if m.size else 0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m.values[i, j]
            ax.text(j, i, str(v), ha="center", va="center", color="white" if top and v > top / 2 else "black")
    ax.set_title(title)
    return ax


def confusion_grid(matrices: dict[str, pd.DataFrame], cols: int = 2, suptitle: str = ""):
    """Several confusion heatmaps side by side (e.g. one per payer)."""
    plt = _plt()
    n = max(1, len(matrices))
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 4.8 * rows), squeeze=False)
    for ax, (name, m) in zip(axes.flat, matrices.items()):
        confusion_heatmap(m, title=name, ax=ax)
    for ax in list(axes.flat)[len(matrices):]:
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def compare_bars(frame: pd.DataFrame, label: str, columns: Sequence[str], title: str = "", xlabel: str = "F1",
                 reference: float | None = None, reference_label: str = "", ax=None):
    """Grouped horizontal bars comparing systems (one column each) per row label."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.35 * len(frame) * len(columns) / 2 + 1.2)))
    n = len(columns)
    height = 0.8 / max(1, n)
    y = range(len(frame))
    for i, col in enumerate(columns):
        ax.barh([v + (i - (n - 1) / 2) * height for v in y], frame[col].fillna(0), height=height, label=col)
    if reference is not None:
        ax.axvline(reference, color="grey", linestyle="--", linewidth=1, label=reference_label or "reference")
    ax.set_yticks(list(y))
    ax.set_yticklabels(list(frame[label]), fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.figure.tight_layout()
    return ax


DRIVER_COLORS = {"failed criterion": "#C44E52", "missing finding": "#DD8452",
                 "criterion differs from gold-findings run": "#8172B2", "no failed/missing item": "#937860"}


def driver_bars(drivers: pd.DataFrame, top: int = 20, title: str = "what drives the disagreements", ax=None):
    """Counts of failed criteria / missing findings / differing criteria over all payers,
    coloured by kind (the ``drivers`` table of ``evaluate_determinations``)."""
    plt = _plt()
    totals = drivers.groupby(["kind", "item"], as_index=False)["n"].sum().sort_values("n").tail(top)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.0, 0.28 * len(totals) + 1.2)))
    if totals.empty:
        ax.text(0.5, 0.5, "no disagreements", ha="center", va="center")
        ax.axis("off")
        return ax
    colors = [DRIVER_COLORS.get(k, "grey") for k in totals["kind"]]
    ax.barh(range(len(totals)), totals["n"], color=colors)
    ax.set_yticks(range(len(totals)))
    ax.set_yticklabels(list(totals["item"]), fontsize=8)
    ax.set_xlabel("disagreeing determinations")
    ax.xaxis.get_major_locator().set_params(integer=True)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for k, c in DRIVER_COLORS.items() if k in set(totals["kind"])]
    ax.legend(handles, [k for k in DRIVER_COLORS if k in set(totals["kind"])], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    ax.figure.tight_layout()
    return ax
