"""Pictures of networks drawn with matplotlib (shipped with the notebooks)."""

import math

import matplotlib.pyplot as plt

from .figures import OKABE_ITO


def network_222(p, values=None, ax=None):
    """Draw the 2-2-2 network of notebook 02 with its weights p (a dict w1..w8, b1, b2).

    values: optional dict of node values (e.g. {'out_h1': 0.593...}) printed next to the nodes.

    Each weight's label sits on its own arrow, 30% of the way from the arrow's source, turned
    along it and in a white box: arrows that cross (w2 and w3, w6 and w7) cross half-way, away
    from every label, so no label can be read as another arrow's.
    """
    ax = ax or plt.gca()
    pos = {
        "i1": (0, 1),
        "i2": (0, 0),
        "h1": (1, 1),
        "h2": (1, 0),
        "o1": (2, 1),
        "o2": (2, 0),
        "b1": (0.45, -0.75),
        "b2": (1.45, -0.75),
    }
    edges = [
        ("i1", "h1", "w1"),
        ("i2", "h1", "w2"),
        ("i1", "h2", "w3"),
        ("i2", "h2", "w4"),
        ("h1", "o1", "w5"),
        ("h2", "o1", "w6"),
        ("h1", "o2", "w7"),
        ("h2", "o2", "w8"),
        ("b1", "h1", "b1"),
        ("b1", "h2", "b1"),
        ("b2", "o1", "b2"),
        ("b2", "o2", "b2"),
    ]
    ax.set(xlim=(-0.4, 2.4), ylim=(-1.05, 1.35))
    for src, dst, name in edges:
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        bias = name.startswith("b")
        ax.annotate(
            "",
            (x1, y1),
            (x0, y0),
            arrowprops=dict(arrowstyle="->", color="0.6" if bias else "0.3", shrinkA=16, shrinkB=16, lw=1),
        )
        if not bias:
            t = 0.3
            ax.text(
                x0 + t * (x1 - x0),
                y0 + t * (y1 - y0),
                f"{name} = {p[name]:.2f}",
                fontsize=9,
                color=OKABE_ITO["vermillion"],
                ha="center",
                va="center",
                rotation_mode="anchor",
                rotation=math.degrees(math.atan2(y1 - y0, x1 - x0)),
                transform_rotates_text=True,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
            )
    for node, (x, y) in pos.items():
        bias = node.startswith("b")
        label = f"{node} = {p[node]:.2f}" if bias else node
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=10,
            bbox=dict(boxstyle="round" if bias else "circle", fc="0.93" if bias else "white", ec="0.5"),
        )
        key = f"out_{node}"
        if values and key in values:
            ax.text(
                x,
                y + (0.2 if y > 0 else -0.2),
                f"{key} = {values[key]:.6f}",
                ha="center",
                va="center",
                fontsize=8,
                color=OKABE_ITO["blue"],
                bbox=dict(fc="white", ec="none", pad=1),
            )
    ax.axis("off")
    return ax
