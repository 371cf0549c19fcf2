"""The course's figure style: sharp, readable, and legible without colour.

Each notebook's set-up cell calls style() once, after `%matplotlib inline`. Why each setting:

* Sharp. The inline backend draws a figure at 100 pixels per inch and the browser shows one image
  pixel per CSS pixel; on a high-resolution screen (2 device pixels per CSS pixel) the image is
  blown up and looks blurred. In a Jupyter kernel style() asks the inline backend for its
  'retina' PNGs: drawn at twice the resolution and shown at the same size, so layouts do not
  change. (`%config InlineBackend.figure_formats = ['retina']` does this too, but it is IPython
  syntax; style() is plain Python.) Figures saved with savefig get 200 dpi.
* Readable. Text at 12 points instead of 10 (tick labels and legends 11): a figure as wide as
  the notebook is shrunk to the page's width, and 10-point text then ends up about 10 px high.
* Told apart without colour. The Okabe-Ito palette (Okabe & Ito, "Color Universal Design",
  2008) stays distinct under the common colour-vision deficiencies, and each colour of the cycle
  comes with its own line style, so that lines can be told apart in grey too. "C0", "C1", ...
  then name these colours. ACTIVATIONS gives sigmoid, tanh and ReLU one look in every figure;
  HATCHES tell bars apart.
"""

import sys

import matplotlib as mpl
from cycler import cycler

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
# The cycle: dark, light and middle greys first; yellow (too pale on white) and black (kept for
# annotations) left out.
COLOURS = [OKABE_ITO[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky blue")]
LINESTYLES = ["-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (10, 3))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++"]

ACTIVATIONS = {
    name: {"color": COLOURS[k], "linestyle": LINESTYLES[k]} for k, name in enumerate(("sigmoid", "tanh", "relu"))
}

RC = {
    "axes.prop_cycle": cycler(color=COLOURS) + cycler(linestyle=LINESTYLES),
    "figure.dpi": 100,  # the size on screen: figsize in inches times 100 CSS pixels
    "savefig.dpi": 200,
    "font.size": 12,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "hatch.linewidth": 1.5,
}


def style():
    """Apply the course's figure style (see the module's docstring)."""
    mpl.rcParams.update(RC)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if getattr(shell, "kernel", None) is not None:  # a Jupyter kernel: a front end shows the PNGs
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"retina"})
