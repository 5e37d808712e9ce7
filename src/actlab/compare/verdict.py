"""Verdicts in words on the classic claims, from the pairwise tests.

A directional claim "A is worse than B on a metric" gets:

* **holds** when the difference points the claimed way and is significant after Holm's
  correction over all pairs of activations (the family the table shows);
* **does not hold** when the 95% interval of the difference rules out any effect in the claimed
  direction larger than a margin that matters (half a point of accuracy; 5% of the training-loss
  area), which includes a significant difference the other way;
* **can't tell** otherwise: more seeds would narrow the interval;
* **not tested** when the study lacks an activation the claim is about.

Speed is the area under the training-loss curve (:mod:`actlab.compare.summary`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import actlab
from actlab.compare.summary import Comparison, Summary, find

HOLDS, FAILS, UNSURE, UNTESTED = "holds", "does not hold", "can't tell", "not tested"
#: smallest differences that matter, per metric (loss area: relative to its mean)
ACCURACY_MARGIN = 0.005
SPEED_MARGIN = 0.05


@dataclass(frozen=True)
class Verdict:
    claim: str
    text: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class Evidence:
    """What a claim is judged on."""

    summaries: dict[str, Summary]
    speed: Sequence[Comparison]
    accuracy: Sequence[Comparison]
    #: canonical name -> the study's activation with that record and default parameters
    named: dict[str, str]
    seeds: int
    epochs: int
    n_train: int


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    judge: Callable[[Evidence], tuple[str, str]]


def named_activations(specs: Sequence[str]) -> dict[str, str]:
    """Canonical name -> spec, for the specs that are a catalog entry with default parameters."""
    out: dict[str, str] = {}
    for spec in specs:
        f = actlab.get(spec)
        if f.spec == f.name:
            out.setdefault(f.name, spec)
    return out


def direction(c: Comparison, margin: float) -> str:
    """Judge "a's metric is larger than b's" (difference = a - b)."""
    if c.significant and c.difference > 0:
        return HOLDS
    if c.ci_high < margin:
        return FAILS
    return UNSURE


def _speed_margin(ev: Evidence, a: str, b: str) -> float:
    s = ev.summaries
    return SPEED_MARGIN * (s[a].train_loss_auc_mean + s[b].train_loss_auc_mean) / 2


def stated(c: Comparison) -> str:
    if math.isnan(c.difference):
        return "no comparison: some runs diverged (loss not finite)"
    return (
        f"difference {c.difference:+.4g} (95% CI {c.ci_low:+.4g} to {c.ci_high:+.4g}, "
        f"Holm-adjusted p = {c.p_holm:.2g})"
    )


def _slower(slow: str, fast: str) -> Callable[[Evidence], tuple[str, str]]:
    def judge(ev: Evidence) -> tuple[str, str]:
        if slow not in ev.named or fast not in ev.named:
            return UNTESTED, f"needs {slow} and {fast} in --activations"
        a, b = ev.named[slow], ev.named[fast]
        c = find(ev.speed, a, b)
        assert c is not None
        s = ev.summaries
        said = (
            f"mean training loss over {ev.epochs} epochs: {a} {s[a].train_loss_auc_mean:.4g}, "
            f"{b} {s[b].train_loss_auc_mean:.4g}; " + stated(c)
        )
        return direction(c, _speed_margin(ev, a, b)), said

    return judge


def _slowest(name: str) -> Callable[[Evidence], tuple[str, str]]:
    def judge(ev: Evidence) -> tuple[str, str]:
        if name not in ev.named or len(ev.summaries) < 2:
            return UNTESTED, f"needs {name} and at least one other activation"
        a = ev.named[name]
        verdicts = {}
        for b in ev.summaries:
            if b != a:
                c = find(ev.speed, a, b)
                assert c is not None
                verdicts[b] = (direction(c, _speed_margin(ev, a, b)), c)
        s = ev.summaries
        area = f"{a}'s mean training loss over {ev.epochs} epochs is {s[a].train_loss_auc_mean:.4g}"
        against = [b for b, (v, _) in verdicts.items() if v == FAILS]
        if against:
            b = min(against, key=lambda k: verdicts[k][1].difference)
            return FAILS, f"{area}; {b} is as slow or slower: {s[b].train_loss_auc_mean:.4g}"
        unsure = [b for b, (v, _) in verdicts.items() if v == UNSURE]
        if unsure:
            b = min(unsure, key=lambda k: verdicts[k][1].p_holm)
            return UNSURE, f"{area}; against {b}: " + stated(verdicts[b][1])
        worst = max(c.p_holm for _, c in verdicts.values())
        return HOLDS, (
            f"{area}, higher than all {len(verdicts)} others, each difference significant "
            f"(largest Holm-adjusted p = {worst:.2g})"
        )

    return judge


def _beats(name: str, other: str) -> Callable[[Evidence], tuple[str, str]]:
    def judge(ev: Evidence) -> tuple[str, str]:
        if name not in ev.named or other not in ev.named:
            return UNTESTED, f"needs {name} and {other} in --activations"
        a, b = ev.named[name], ev.named[other]
        c = find(ev.accuracy, a, b)
        assert c is not None
        s = ev.summaries
        said = (
            f"final test accuracy {a} {s[a].test_accuracy_mean:.4f}, {b} "
            f"{s[b].test_accuracy_mean:.4f} ({ev.n_train} training examples); " + stated(c)
        )
        return direction(c, ACCURACY_MARGIN), said

    return judge


CLAIMS = (
    Claim("sigmoid_slowest", "sigmoid trains slowest", _slowest("sigmoid")),
    Claim("tanh_slower_than_relu", "tanh trains slower than ReLU", _slower("tanh", "relu")),
    Claim(
        "prelu_beats_relu",
        "PReLU beats ReLU on small data (Xu et al. 2015)",
        _beats("prelu", "relu"),
    ),
    Claim(
        "rrelu_beats_relu",
        "RReLU beats ReLU on small data (Xu et al. 2015)",
        _beats("rrelu", "relu"),
    ),
)


def judge_all(ev: Evidence) -> list[Verdict]:
    """A verdict on every claim."""
    return [Verdict(c.id, c.text, *c.judge(ev)) for c in CLAIMS]
