"""actlab.registry: the one lookup every named thing uses."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from actlab import data, nn
from actlab.catalog import REGISTRY as ACTIVATIONS
from actlab.compare import backend
from actlab.data import toy
from actlab.errors import ActlabError
from actlab.registry import Registry


@dataclass(frozen=True)
class Thing:
    name: str
    aliases: tuple[str, ...] = ()


def test_lookup_by_name_alias_case_and_dash() -> None:
    reg = Registry("thing", [Thing("multi_gauss", ("bumps",)), Thing("spiral")])
    assert reg.lookup("Multi-Gauss").name == reg.lookup("BUMPS").name == "multi_gauss"
    assert reg.names() == ["multi_gauss", "spiral"] and "bumps" in reg and "nope" not in reg
    assert reg.get("nope") is None and reg.canonical("bumps") == "multi_gauss"


def test_unknown_names_suggest_and_list() -> None:
    reg = Registry("thing", [Thing("spiral"), Thing("circle")])
    with pytest.raises(ActlabError, match=r"unknown thing 'spirl'; did you mean spiral\? \("):
        reg.lookup("spirl")
    many = Registry("thing", [Thing(f"t{i}") for i in range(20)], hint="see 'x list'")
    with pytest.raises(ActlabError, match=r"unknown thing 'zz' \(see 'x list'\)$"):
        many.lookup("zz")


def test_names_are_identifiers_and_never_taken_twice() -> None:
    reg = Registry("thing", [Thing("a", ("b",))])
    for bad in (Thing("b"), Thing("c", ("A",)), Thing("a")):
        with pytest.raises(ActlabError, match="already taken"):
            reg.register(bad)
    with pytest.raises(ActlabError, match="identifier"):
        reg.register(Thing("two words"))
    reg.register(Thing("a", ("z",)), replace=True)
    assert reg.lookup("z").aliases == ("z",)
    assert reg.unregister("a").name == "a" and "z" not in reg and len(reg) == 0


def test_the_load_hook_runs_once_on_first_use() -> None:
    calls = []

    def load() -> list[Thing]:
        calls.append(1)
        return [Thing("x")]

    reg = Registry("thing", load=load)
    assert calls == [] and reg.names() == ["x"] and list(reg) == [Thing("x")] and calls == [1]


@pytest.mark.parametrize(
    ("registry", "typo", "kind"),
    [
        (ACTIVATIONS, "sigmod", "activation"),
        (nn.init.REGISTRY, "hee", "initialisation"),
        (nn.losses.REGISTRY, "mse2", "loss"),
        (nn.optim.RULES, "adamw", "optimiser"),
        (data.REGISTRY, "mnistt", "dataset"),
        (toy.TOY, "spirall", "toy data set"),
        (backend.REGISTRY, "jax", "backend"),
    ],
)
def test_every_named_thing_uses_one_registry(registry: Registry, typo: str, kind: str) -> None:
    with pytest.raises(ActlabError, match=f"^unknown {kind} '{typo}'"):
        registry.lookup(typo)
