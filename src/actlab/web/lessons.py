"""Ready lessons: playground setups a teacher can hand out as links, each with what to look for.

Every lesson is a :class:`~actlab.web.state.Setup` (so a lesson that no longer validates fails
the tests, not a classroom) written as a link by :func:`actlab.web.links.write`; its controls
that would distract are hidden.

>>> [lesson["id"] for lesson in catalogue()][:2]
['linear-collapse', 'vanishing-gradients']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actlab.web import links
from actlab.web.state import DEFAULT, Setup

#: controls no lesson needs (the file buttons stay: students may save their work)
_QUIET = ("csv", "points", "classes", "speed", "loss", "problem")


@dataclass(frozen=True)
class Lesson:
    """One lesson: a short title, what to do and watch for, and the setup it opens."""

    id: str
    title: str
    text: str
    setup: Setup


LESSONS = (
    Lesson(
        "linear-collapse",
        "Depth without an activation is still a line",
        "Three hidden layers with the identity activation compute one linear map: press play "
        "and the boundary stays straight, the circle is never learned. Then pick tanh or relu.",
        DEFAULT.replace(
            activation="identity", layers=[4, 4, 4], hide=[*_QUIET, "dataset", "features"]
        ),
    ),
    Lesson(
        "vanishing-gradients",
        "Sigmoid in a deep, narrow net: vanishing gradients",
        "Six layers of four sigmoid units on XOR. Watch the gradient bars: each layer gets "
        "about a quarter of the one above, so the first layers barely move. Start the race to "
        "see ReLU, from the same starting weights, get there first.",
        DEFAULT.replace(
            dataset="xor",
            activation="sigmoid",
            layers=[4] * 6,
            learning_rate=0.3,
            race=["sigmoid", "relu"],
            hide=[*_QUIET, "dataset", "layers"],
        ),
    ),
    Lesson(
        "dead-relus",
        "Dead ReLUs at a high learning rate",
        "ReLU with learning rate 1: a few big steps push units to output 0 on every point. A "
        "dead unit's thumbnail goes blank and hatched and it never recovers, since its slope "
        "is 0 everywhere. Lower the learning rate to 0.03, reset, and compare.",
        DEFAULT.replace(
            dataset="spiral",
            activation="relu",
            layers=[8, 8],
            learning_rate=1.0,
            hide=[*_QUIET, "dataset", "activation"],
        ),
    ),
    Lesson(
        "spiral-depth",
        "The spiral from x1 and x2 alone: depth does the work",
        "Only the raw coordinates go in, so the hidden layers must build the curves "
        "themselves: six layers of eight, slowly. Compare with the next lesson.",
        DEFAULT.replace(
            dataset="spiral",
            layers=[8] * 6,
            learning_rate=0.03,
            noise=0,
            hide=[*_QUIET, "dataset", "features"],
        ),
    ),
    Lesson(
        "spiral-features",
        "The spiral with good features: one small layer is enough",
        "With the squares, the product and the sines switched on, a single layer of six tanh "
        "units separates the spiral: good inputs replace depth.",
        DEFAULT.replace(
            dataset="spiral",
            features=["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"],
            layers=[6],
            hide=[*_QUIET, "dataset", "layers"],
        ),
    ),
    Lesson(
        "formula-activation",
        "Your own activation as a formula",
        "The activation here is typed in: x*sigmoid(1.5*x), a sharper SiLU. Its curve and "
        "slope are plotted below the network. Edit the formula (Enter applies it) and see "
        "whether your function trains.",
        DEFAULT.replace(
            dataset="xor", activation="x*sigmoid(1.5*x)", layers=[6, 4], hide=[*_QUIET]
        ),
    ),
)


def catalogue() -> list[dict[str, Any]]:
    """The lessons as the page lists them: id, title, text and the link's hash."""
    return [
        {
            "id": lesson.id,
            "title": lesson.title,
            "text": lesson.text,
            "hash": links.write(lesson.setup),
        }
        for lesson in LESSONS
    ]
