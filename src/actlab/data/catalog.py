"""The dataset records: what each dataset is, where it comes from, and how to train on it.

The defaults are what a practitioner would pick for a plain MLP on each dataset, and are kept
small enough that ``actlab compare`` stays interactive on a laptop CPU:

* digits: one hidden layer of 64 (the input has 64 features), SGD with momentum 0.9, lr 0.01,
  batch 32, 30 epochs; plain SGD-style training is what shows the speed differences the classic
  claims are about (Adam hides much of them).
* MNIST / Fashion-MNIST: 784-256-256-10, momentum 0.9, lr 0.01, batch 64, 10 epochs (a ReLU MLP
  of this size reaches about 98% on MNIST and 89% on Fashion-MNIST).
* CIFAR-10/100: 3072-512-256-C MLP, momentum, lr 0.01, batch 128, 20 epochs (MLPs top out near
  55% / 25%; convolutional models are the torch backend's job).
* TF Playground's 2-D sets: its defaults (SGD, lr 0.03, batch 10) with two hidden layers of 8.
* CSV: one hidden layer of 64, Adam lr 0.001, batch 32, 50 epochs: a safe start for unknown data.
"""

from __future__ import annotations

from actlab.data import DatasetInfo, Defaults, RemoteFile

_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_MLP_IMAGES = Defaults(
    "mlp:256,256",
    10,
    "momentum",
    0.01,
    64,
    0.97,
    "784-256-256-10 is the classic MNIST MLP; SGD with momentum 0.9, lr 0.01, batch 64 is the "
    "PyTorch-examples setting, ~98% for ReLU in 10 epochs",
)

DIGITS = DatasetInfo(
    name="digits",
    kind="classification",
    summary="8x8 handwritten digits from scikit-learn (1,797 images, 10 classes; embedded)",
    loader="digits:load",
    defaults=Defaults(
        "mlp:64",
        30,
        "momentum",
        0.01,
        32,
        0.95,
        "one hidden layer as wide as the input; momentum SGD shows training-speed differences",
    ),
    reference="Alpaydin & Kaynak (1998), UCI optical recognition of handwritten digits",
)

MNIST = DatasetInfo(
    name="mnist",
    kind="classification",
    summary="MNIST handwritten digits, 28x28 (60,000 train / 10,000 test), from the IDX files",
    loader="idx:load",
    defaults=_MLP_IMAGES,
    needs_path=True,
    path_help="a folder with train-images-idx3-ubyte[.gz] and the other three IDX files",
    files=(
        RemoteFile(_MNIST_URL + "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        RemoteFile(_MNIST_URL + "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        RemoteFile(_MNIST_URL + "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        RemoteFile(_MNIST_URL + "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ),
    reference="LeCun et al. (1998), http://yann.lecun.com/exdb/mnist/",
)

FASHION_MNIST = DatasetInfo(
    name="fashion_mnist",
    kind="classification",
    summary="Fashion-MNIST clothing images, 28x28 (60,000 / 10,000), from the IDX files",
    loader="idx:load",
    defaults=Defaults(
        "mlp:256,256",
        10,
        "momentum",
        0.01,
        64,
        0.85,
        "the MNIST MLP; Fashion-MNIST is harder, so the target accuracy is lower",
    ),
    needs_path=True,
    path_help=MNIST.path_help,
    files=tuple(
        RemoteFile(_FASHION_URL + f.url.rsplit("/", 1)[1], md5)
        for f, md5 in zip(
            MNIST.files,
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
        )
    ),
    reference="Xiao, Rasul & Vollgraf (2017), arXiv:1708.07747",
)

_CIFAR_DEFAULTS = Defaults(
    "mlp:512,256",
    20,
    "momentum",
    0.01,
    128,
    0.45,
    "an MLP baseline on standardised pixels; convolutional models belong to the torch backend",
)

CIFAR10 = DatasetInfo(
    name="cifar10",
    kind="classification",
    summary="CIFAR-10 colour images, 32x32x3, 10 classes (50,000 / 10,000), python batches",
    loader="cifar:load",
    defaults=_CIFAR_DEFAULTS,
    needs_path=True,
    path_help="the cifar-10-batches-py folder or cifar-10-python.tar.gz",
    files=(
        RemoteFile(
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            "c58f30108f718f92721af3b95e74349a",
        ),
    ),
    reference="Krizhevsky (2009), Learning multiple layers of features from tiny images",
)

CIFAR100 = DatasetInfo(
    name="cifar100",
    kind="classification",
    summary="CIFAR-100 colour images, 32x32x3, 100 fine classes (50,000 / 10,000)",
    loader="cifar:load",
    defaults=Defaults(
        "mlp:512,256",
        20,
        "momentum",
        0.01,
        128,
        0.2,
        "as CIFAR-10; 100 classes, so the target accuracy is far lower",
    ),
    needs_path=True,
    path_help="the cifar-100-python folder or cifar-100-python.tar.gz",
    files=(
        RemoteFile(
            "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
            "eb9058c3a382ffc7106e4002c42a8d85",
        ),
    ),
    reference=CIFAR10.reference,
)

CSV = DatasetInfo(
    name="csv",
    kind="classification",
    summary="any CSV file: numeric feature columns and a label column (last, or --label)",
    loader="table:load",
    defaults=Defaults(
        "mlp:64",
        50,
        "adam",
        0.001,
        32,
        None,
        "a safe start for unknown data: Adam at its usual 1e-3, one hidden layer of 64",
    ),
    needs_path=True,
    path_help="a .csv file",
    options={"label": None, "kind": "auto"},
)


def _toy_records() -> tuple[DatasetInfo, ...]:
    """One record per TF Playground set in :mod:`actlab.data.toy` (none if it is absent)."""
    try:
        from actlab.data import toy
    except ImportError:
        return ()
    out = []
    for spec in toy.TOY_DATASETS.values():
        hard = spec.name == "spiral"
        regression = spec.problem == "regression"
        out.append(
            DatasetInfo(
                name=spec.name,
                kind=spec.problem,
                summary=f"TF Playground 2-D: {spec.summary}",
                loader="toyset:load",
                defaults=Defaults(
                    "mlp:16,16" if hard else "mlp:8,8",
                    200 if hard else 50,
                    "sgd",
                    0.03,
                    10,
                    None if regression else 0.9,
                    "TF Playground's training settings (SGD, lr 0.03, batch 10), wider layers",
                ),
                options={"noise": 0.0, "points": None, "data_seed": 0},
                reference="Smilkov & Carter, TensorFlow Playground, src/dataset.ts",
            )
        )
    return tuple(out)


RECORDS = (DIGITS, MNIST, FASHION_MNIST, CIFAR10, CIFAR100, CSV, *_toy_records())
