"""The course's figure style (grader.learner.figures) and the 2-2-2 diagram's labels."""

import json
import math
import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties

from grader.learner import diagrams, figures, worked_example as WE

OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}


@pytest.fixture
def styled():
    """rcParams as style() sets them, restored afterwards for the other tests of this process."""
    with matplotlib.rc_context():
        figures.style()
        yield matplotlib.rcParams


def test_style_saves_sharp_figures_with_readable_text(styled):
    saved = styled["figure.dpi"] if styled["savefig.dpi"] == "figure" else styled["savefig.dpi"]
    assert saved >= 150, f"figures saved to files at {saved} dpi look blurred on high-resolution screens"
    assert styled["font.size"] >= 11
    assert (
        min(
            FontProperties(size=styled[key]).get_size_in_points()
            for key in ("axes.labelsize", "xtick.labelsize", "ytick.labelsize", "legend.fontsize")
        )
        >= 10
    )


def test_cycle_is_okabe_ito_with_a_line_style_per_colour(styled):
    cycle = list(styled["axes.prop_cycle"])
    colours = [to_hex(entry["color"]) for entry in cycle]
    assert set(colours) <= OKABE_ITO and len(set(colours)) == len(colours) >= 3
    assert "#f0e442" not in colours  # Okabe-Ito's yellow is too pale on white for lines
    styles = [str(entry["linestyle"]) for entry in cycle[:3]]
    assert len(set(styles)) == 3, f"the first three lines of a plot should differ in grey too: {styles}"


def test_activations_have_distinct_cycle_looks():
    looks = figures.ACTIVATIONS
    assert set(looks) == {"sigmoid", "tanh", "relu"}
    assert len({look["color"] for look in looks.values()}) == 3
    assert len({str(look["linestyle"]) for look in looks.values()}) == 3
    assert len(set(figures.HATCHES[:4])) == 4 and len(figures.COLOURS) >= 4


def test_inline_figures_are_retina_in_a_jupyter_kernel(tmp_path):
    """In a kernel (a shell with a `kernel`), style() makes the inline PNGs twice as dense as shown."""
    code = """if True:
        import base64, json
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.kernel = object()                    # what ipykernel's shell has and a plain one has not
        shell.enable_gui = lambda *a, **k: None    # as grader.grading.sandbox_child: no GUI event loop
        shell.run_line_magic("matplotlib", "inline")
        from grader.learner import figures
        figures.style()
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(2, 1))
        fig.add_subplot().plot([0, 1])
        data, meta = shell.display_formatter.format(fig)
        png = base64.b64decode(data["image/png"])
        print(json.dumps({"shown": meta.get("image/png"), "pixels": int.from_bytes(png[16:20], "big")}))
    """
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"MPLBACKEND": "Agg", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
    )
    assert out.returncode == 0, out.stderr
    png = json.loads(out.stdout.strip().splitlines()[-1])
    assert png["shown"], f"the PNG should say the size to show it at (retina): {png}"
    assert png["pixels"] >= 1.5 * png["shown"]["width"], f"the PNG should have twice the pixels it is shown with: {png}"


def test_each_weight_label_sits_on_its_own_edge():
    """The labels of w1..w8 lie on the segment of their own edge, turned along it, and far from
    the point where two edges cross."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    try:
        diagrams.network_222(WE.PARAMS, ax=ax)
        fig.canvas.draw()
        pos = {"i1": (0, 1), "i2": (0, 0), "h1": (1, 1), "h2": (1, 0), "o1": (2, 1), "o2": (2, 0)}
        edges = {
            "w1": ("i1", "h1"),
            "w2": ("i2", "h1"),
            "w3": ("i1", "h2"),
            "w4": ("i2", "h2"),
            "w5": ("h1", "o1"),
            "w6": ("h2", "o1"),
            "w7": ("h1", "o2"),
            "w8": ("h2", "o2"),
        }
        labels = {t.get_text().split(" = ")[0]: t for t in ax.texts if t.get_text().startswith("w")}
        assert set(labels) == set(edges)
        to_px = ax.transData.transform
        for name, (src, dst) in edges.items():
            (x0, y0), (x1, y1) = to_px(pos[src]), to_px(pos[dst])
            x, y = to_px(labels[name].get_position())
            # distance of the label's centre from its edge's line, in pixels, and where along it it sits
            t = ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0)) / ((x1 - x0) ** 2 + (y1 - y0) ** 2)
            off = abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0)) / math.hypot(x1 - x0, y1 - y0)
            assert off < 1 and 0.15 < t < 0.4, f"{name}'s label is not on its edge {src}->{dst} (t={t:.2f})"
            angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
            assert abs(labels[name].get_rotation() % 360 - angle % 360) < 1, f"{name}'s label is not along its edge"
    finally:
        plt.close(fig)
