"""The network definition a user edits on the page: one layer a line, checked before it is built.

Grammar (``#`` starts a comment; blank lines are ignored)::

    definition := line*
    line       := "conv" option* | "pool" option* | "fc" option* | "softmax"
    option     := key "=" value          (no spaces around "=")
    conv keys  : size (kernel side), filters, stride (1), pad (size // 2), act ("" : linear)
    pool keys  : size, stride (size)     (max pooling)
    fc keys    : units, act ("")
    act=SPEC   : an activation name or formula for ``actlab.get``; it takes the rest of the
                 line, so a formula may hold spaces

The input layer comes from the data (the crop size and the channels); ``softmax`` over the classes
is always the last layer and may be written or left out. Every size is bounded by :data:`LIMITS`,
so no definition makes the server allocate or compute without limit; a rejection names its line.

>>> layers = parse("conv size=5 filters=8 act=relu\\npool size=2\\nsoftmax")
>>> [(l.kind, l.size, l.width, l.act) for l in layers]
[('conv', 5, 8, 'relu'), ('pool', 2, 0, '')]
>>> shapes(layers, (1, 24, 24))
[(8, 24, 24), (8, 12, 12)]
>>> parse("conv size=5")
Traceback (most recent call last):
...
actlab.errors.ActlabError: network line 1: conv needs filters=N
"""

from __future__ import annotations

from dataclasses import dataclass

from actlab.errors import ActlabError

#: bounds on a definition (ConvNetJS's demo network is 2 conv, 2 pool, 1 softmax)
LIMITS = {
    "layers": 12,
    "size": 11,
    "filters": 64,
    "units": 1024,
    "stride": 4,
    "pad": 5,
    "act": 200,  # characters of an activation spec
    "params": 1_000_000,  # learnable parameters in all
    "values": 200_000,  # activations one example makes, all layers together
    "text": 4000,  # characters of the whole definition
}
#: what each layer kind takes, and which keys it requires
_KEYS = {
    "conv": ({"size", "filters", "stride", "pad", "act"}, ("size", "filters")),
    "pool": ({"size", "stride"}, ("size",)),
    "fc": ({"units", "act"}, ("units",)),
    "softmax": (set(), ()),
}
_BOUNDS = {
    "size": (1, LIMITS["size"]),
    "filters": (1, LIMITS["filters"]),
    "units": (1, LIMITS["units"]),
    "stride": (1, LIMITS["stride"]),
    "pad": (0, LIMITS["pad"]),
}


@dataclass(frozen=True)
class Layer:
    """One line of a definition."""

    #: "conv", "pool" or "fc"
    kind: str
    #: kernel or window side (0 for fc)
    size: int = 0
    #: filters (conv) or units (fc); 0 for pool
    width: int = 0
    stride: int = 1
    pad: int = 0
    #: activation spec after the layer ("" for none)
    act: str = ""
    #: the line it came from (1-based), for error messages
    line: int = 0

    def text(self) -> str:
        """The layer as a definition line (what :func:`parse` reads back)."""
        if self.kind == "conv":
            out = f"conv size={self.size} filters={self.width} stride={self.stride} pad={self.pad}"
        elif self.kind == "pool":
            out = f"pool size={self.size} stride={self.stride}"
        else:
            out = f"fc units={self.width}"
        return f"{out} act={self.act}" if self.act else out


def parse(text: str) -> list[Layer]:
    """The layers of a definition (softmax left out: it is always there)."""
    if not isinstance(text, str):
        raise ActlabError("network: the definition must be text")
    if len(text) > LIMITS["text"]:
        raise ActlabError(f"network: at most {LIMITS['text']} characters")
    layers: list[Layer] = []
    softmax_at = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if softmax_at:
            raise ActlabError(f"network line {number}: softmax (line {softmax_at}) must be last")
        kind, _, rest = line.partition(" ")
        if kind not in _KEYS:
            raise ActlabError(
                f"network line {number}: unknown layer {kind[:20]!r}; use conv, pool, fc, softmax"
            )
        if kind == "softmax":
            if rest.strip():
                raise ActlabError(f"network line {number}: softmax takes no options")
            softmax_at = number
            continue
        layers.append(_layer(kind, _options(rest, number), number))
    if len(layers) > LIMITS["layers"]:
        raise ActlabError(f"network: at most {LIMITS['layers']} layers, got {len(layers)}")
    return layers


def _options(rest: str, number: int) -> dict[str, str]:
    options: dict[str, str] = {}
    while rest.strip():
        token, _, rest = rest.strip().partition(" ")
        key, eq, value = token.partition("=")
        if not eq or not value:
            raise ActlabError(f"network line {number}: expected key=value, got {token[:30]!r}")
        if key == "act":  # the rest of the line: a formula may hold spaces
            value = f"{value} {rest}".strip()
            rest = ""
        if key in options:
            raise ActlabError(f"network line {number}: {key} given twice")
        options[key] = value
    return options


def _layer(kind: str, options: dict[str, str], number: int) -> Layer:
    allowed, required = _KEYS[kind]
    for key in options:
        if key not in allowed:
            raise ActlabError(
                f"network line {number}: {kind} takes {', '.join(sorted(allowed))}, not {key!r}"
            )
    for key in required:
        if key not in options:
            raise ActlabError(f"network line {number}: {kind} needs {key}=N")
    values = {k: _integer(k, v, number) for k, v in options.items() if k != "act"}
    act = options.get("act", "")
    if len(act) > LIMITS["act"] or not act.isprintable():
        raise ActlabError(f"network line {number}: act must be printable, at most 200 characters")
    size = values.get("size", 0)
    if kind == "conv":
        return Layer(
            "conv",
            size,
            values["filters"],
            values.get("stride", 1),
            values.get("pad", size // 2),
            act,
            number,
        )
    if kind == "pool":
        return Layer("pool", size, 0, values.get("stride", size), 0, "", number)
    return Layer("fc", 0, values["units"], 1, 0, act, number)


def _integer(key: str, value: str, number: int) -> int:
    lo, hi = _BOUNDS[key]
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise ActlabError(f"network line {number}: {key} must be an integer {lo}..{hi}")
    return int(value)


def shapes(
    layers: list[Layer], shape: tuple[int, int, int], classes: int = 0
) -> list[tuple[int, ...]]:
    """The output shape of each layer for an input of ``shape`` (channels, height, width),
    followed by ``classes`` outputs (the softmax layer's weights count to the budget).

    Raises one error, naming the line, for a layer that does not fit its input, or for a
    network over the parameter or activation budget.
    """
    out: list[tuple[int, ...]] = []
    current: tuple[int, ...] = shape
    params = values = 0
    for layer in layers:
        where = f"network line {layer.line} ({layer.kind})"
        if layer.kind == "fc":
            fan_in = _volume(current)
            params += (fan_in + 1) * layer.width
            current = (layer.width,)
        else:
            if len(current) != 3:
                raise ActlabError(f"{where}: comes after fc, whose output is not an image")
            c, h, w = current
            side = min(h, w) + 2 * layer.pad
            if side < layer.size:
                raise ActlabError(
                    f"{where}: the input is {h}x{w}, smaller than the {layer.size}x{layer.size} "
                    "window"
                )
            h = (h + 2 * layer.pad - layer.size) // layer.stride + 1
            w = (w + 2 * layer.pad - layer.size) // layer.stride + 1
            if layer.kind == "conv":
                params += (c * layer.size**2 + 1) * layer.width
                c = layer.width
            current = (c, h, w)
        values += _volume(current)
        out.append(current)
    params += (_volume(current) + 1) * classes
    if params > LIMITS["params"]:
        raise ActlabError(f"network: {params:,} parameters, at most {LIMITS['params']:,}")
    if values > LIMITS["values"]:
        raise ActlabError(
            f"network: {values:,} activations per example, at most {LIMITS['values']:,}"
        )
    return out


def _volume(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def text(layers: list[Layer]) -> str:
    """A definition's canonical text, softmax included."""
    return "\n".join([*(layer.text() for layer in layers), "softmax"])
