"""Playground links: field by field, TensorFlow Playground's both ways, the ready lessons."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actlab
from actlab.web import lessons, links
from actlab.web.state import DEFAULT, FEATURES, HIDABLE

# a link as TensorFlow Playground writes it (every field), with two controls hidden
TF = (
    "activation=sigmoid&batchSize=17&dataset=xor&regDataset=reg-plane&learningRate=0.3"
    "&regularizationRate=0.01&noise=15&networkShape=6,3&seed=0.04200&showTestData=true"
    "&discretize=false&percTrainData=80&x=false&y=true&xTimesY=true&xSquared=false"
    "&ySquared=true&cosX=false&sinX=false&cosY=false&sinY=true&collectStats=false"
    "&problem=classification&initZero=true&hideText=false&noise_hide=true&stepButton_hide=true"
)


def test_every_tensorflow_playground_field_is_read() -> None:
    setup, notes = links.read(TF)
    assert notes == []
    assert (setup.activation, setup.batch_size, setup.dataset) == ("sigmoid", 17, "xor")
    assert (setup.learning_rate, setup.reg_rate, setup.noise) == (0.3, 0.01, 15.0)
    assert setup.layers == (6, 3) and setup.seed == 4200 and setup.show_test
    assert not setup.discretize and setup.train_ratio == 80 and setup.init_zero
    assert setup.features == ("x2", "x2sq", "x1x2", "sinx2")
    assert setup.hide == ("step", "noise") and not setup.hide_text
    assert setup.problem == "classification" and setup.loss == "mse"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("activation=linear", {"activation": "identity"}),
        ("regularization=L1&regularizationRate=0.1", {"regularization": "l1", "reg_rate": 0.1}),
        ("problem=regression&regDataset=reg-gauss", {"dataset": "multi_gauss"}),
        ("problem=regression&dataset=circle", {"dataset": "plane", "problem": "regression"}),
        ("networkShape=", {"layers": ()}),
        ("x=false", {"features": ("x2",)}),
        ("hideText=true&activation_hide=true", {"hide_text": True, "hide": ("activation",)}),
    ],
)
def test_tensorflow_playground_values(link: str, expected: dict) -> None:
    setup, notes = links.read(link)
    assert notes == []
    for name, value in expected.items():
        assert getattr(setup, name) == value


def test_initial_weights_zero_with_init_zero() -> None:
    from actlab.web import network

    setup, _ = links.read("initZero=true")
    net = network.build(setup, network.make_data(setup, None))
    assert all(not w.any() for w in net.model.weights)
    assert all((b == 0.1).all() for b in net.model.biases)


@pytest.mark.parametrize(
    ("link", "field", "words"),
    [
        ("learning_rate=abc", "learning_rate", "expected a number"),
        ("learningRate=abc", "learning_rate", "expected a number"),
        ("layers=4,4,99", "layers", "99"),
        ("layers=4,x", "layers", "widths"),
        ("activation=nonsense", "activation", "unknown activation"),
        ("race=[1,2]", "race", "strings"),
        ("race=[", "race", "JSON"),
        ("batch_size=1000", "batch_size", "256"),
        ("show_test=maybe", "show_test", "true or false"),
        ("noise=nan", "noise", "finite"),
        ("features=x1,z", "features", "x1sq"),
        ("dataset=csv", "dataset", "CSV"),
        ("hide=everything", "hide", "expected one of"),
    ],
)
def test_a_bad_field_keeps_its_default_and_says_why(link: str, field: str, words: str) -> None:
    setup, notes = links.read(f"dataset=xor&{link}&hideText=true")
    assert setup.dataset == ("xor" if field != "dataset" else DEFAULT.dataset)
    assert setup.hide_text  # the other fields still count
    assert getattr(setup, field) == getattr(DEFAULT, field)
    assert len(notes) == 1 and notes[0].startswith(f"{field}: ") and words in notes[0], notes


def test_unknown_and_unused_fields_are_noted_not_fatal() -> None:
    setup, notes = links.read("#dataset=gauss&bogus=1&tutorial=dropout&cosX=true&foo_hide=true")
    assert setup.dataset == "gauss"
    assert [n.split(":")[0] for n in notes] == ["tutorial", "cosX", "'foo_hide'", "'bogus'"]


def test_contradictions_are_reconciled_with_a_note() -> None:
    setup, notes = links.read("dataset=plane&problem=classification&classes=3&loss=cross_entropy")
    assert (setup.problem, setup.classes, setup.loss) == ("regression", 2, "mse")
    assert len(notes) == 3
    setup, notes = links.read('layers=4&layer_activations=["relu","tanh"]')
    assert setup.layer_activations == ("relu",) and "dropped" in notes[0]


setups = st.builds(
    lambda **kw: DEFAULT.replace(**kw),
    dataset=st.sampled_from(["circle", "xor", "gauss", "spiral"]),
    noise=st.integers(0, 50).map(float),
    train_ratio=st.sampled_from([10, 30, 50, 90]),
    seed=st.integers(0, 2**31 - 1),
    features=st.lists(st.sampled_from(FEATURES), min_size=1, unique=True),
    layers=st.lists(st.integers(1, 8), max_size=6),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "identity", "gelu", "x*tanh(x)+1"]),
    learning_rate=st.sampled_from([0.00001, 0.03, 0.1, 3.0]),
    regularization=st.sampled_from(["none", "l1", "l2"]),
    batch_size=st.integers(1, 30),
    show_test=st.booleans(),
    hide=st.lists(st.sampled_from(list(HIDABLE)), unique=True),
    hide_text=st.booleans(),
    race=st.lists(st.sampled_from(["relu", "tanh", "x*sigmoid(x)"]), min_size=1, unique=True),
)


@settings(max_examples=60, deadline=None)
@given(setups)
def test_links_round_trip(setup) -> None:  # type: ignore[no-untyped-def]
    assert links.read(links.write(setup)) == (setup, [])
    tf, why = links.tf_link(setup)
    if setup.activation in ("gelu", "x*tanh(x)+1"):
        assert tf is None and setup.activation in why[0]
        return
    assert tf is not None and why == []
    back, notes = links.read(tf.split("#", 1)[1])
    assert notes == []
    same = {"seed", "hide", "race"}  # TF seeds go to 99999; TF hides fewer controls; no race
    for name in set(setup.to_dict()) - same:
        assert getattr(back, name) == getattr(setup, name), name
    assert set(back.hide) <= set(setup.hide)


def test_setups_tensorflow_playground_cannot_hold_say_why() -> None:
    setup = DEFAULT.replace(dataset="spiral", classes=3, loss="cross_entropy", layers=[16] * 8)
    tf, why = links.tf_link(setup)
    assert tf is None and len(why) == 3


def test_lessons_open_cleanly() -> None:
    catalogue = lessons.catalogue()
    assert len(catalogue) >= 5 and len({lesson["id"] for lesson in catalogue}) == len(catalogue)
    for lesson, record in zip(catalogue, lessons.LESSONS):
        setup, notes = links.read(lesson["hash"])
        assert notes == [] and setup == record.setup
        for spec in setup.hidden_activations():
            actlab.get(spec)
