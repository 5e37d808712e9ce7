"""Dataset loaders on small files written here in the real formats, and their failure modes."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from actlab import data
from actlab.cli import main
from actlab.data import idx
from actlab.errors import ActlabError


def idx_bytes(array: np.ndarray) -> bytes:
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[array.dtype.type]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(folder: Path, n_train: int = 12, n_test: int = 5, gz: bool = True) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        raw = idx_bytes(array)
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)
    return arrays


def test_digits_is_standardised_and_split_by_class() -> None:
    ds = data.load("digits")
    assert ds.x_train.shape == (1347, 64) and ds.x_test.shape == (450, 64)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert np.abs(ds.x_train.mean(axis=0)).max() < 1e-5
    counts = np.bincount(ds.y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 47  # ~25% of each class of ~180
    again = data.load("digits")
    assert np.array_equal(ds.y_test, again.y_test)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_roundtrip(tmp_path: Path, gz: bool) -> None:
    arrays = write_mnist(tmp_path / "raw", gz=gz)
    ds = data.load("mnist", tmp_path)  # the files may sit a level below, as torchvision keeps them
    assert ds.x_train.shape == (12, 784) and ds.image_shape == (1, 28, 28)
    pixels = arrays["train-images-idx3-ubyte"].reshape(12, -1) / 255.0
    expected = (pixels - pixels.mean()) / pixels.std()
    assert np.allclose(ds.x_train, expected, atol=1e-5)
    assert ds.y_test.tolist() == arrays["t10k-labels-idx1-ubyte"].tolist()
    fashion = data.load("fashion_mnist", tmp_path)
    assert fashion.classes[9] == "Ankle boot"


def test_idx_parses_other_types_big_endian() -> None:
    values = np.array([[1.5, -2.0], [3.25, 4.0]], np.float32)
    assert np.array_equal(idx.parse_idx(idx_bytes(values), "f"), values)
    ints = np.array([1, -70000, 5], np.int32)
    assert idx.parse_idx(idx_bytes(ints), "i").tolist() == [1, -70000, 5]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b"\x08\x03" + b[2:], "bad magic number"),
        (lambda b: b[:3], "not an IDX file"),
        (lambda b: b[:10], "truncated IDX header"),
        (lambda b: b[:-7], "truncated"),
        (lambda b: b + b"xx", "unexpected bytes"),
        (lambda b: gzip.compress(b)[:-20], "corrupt or truncated gzip"),
    ],
)
def test_damaged_idx_names_file_and_problem(tmp_path: Path, damage, message: str) -> None:
    write_mnist(tmp_path, gz=False)
    target = tmp_path / "train-images-idx3-ubyte"
    target.write_bytes(damage(target.read_bytes()))
    with pytest.raises(ActlabError, match=message) as err:
        data.load("mnist", tmp_path)
    assert str(target) in str(err.value)


def test_mnist_inconsistent_files(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    labels.write_bytes(idx_bytes(np.full(11, 3, np.uint8)))
    with pytest.raises(ActlabError, match="12 images but"):
        data.load("mnist", tmp_path)
    labels.write_bytes(idx_bytes(np.full(12, 10, np.uint8)))
    with pytest.raises(ActlabError, match=r"labels must be 0\.\.9"):
        data.load("mnist", tmp_path)
    labels.write_bytes(idx_bytes(np.zeros((12, 28, 28), np.uint8)))
    with pytest.raises(ActlabError, match="expected 1-D labels"):
        data.load("mnist", tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(ActlabError, match="no t10k-images-idx3-ubyte"):
        data.load("mnist", tmp_path)


def cifar_batch(n: int, label_key: str, n_classes: int, seed: int, protocol: int = 2) -> bytes:
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"testing batch",
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        label_key.encode(): rng.integers(0, n_classes, n).tolist(),
        b"filenames": [f"img{i}.png".encode() for i in range(n)],
    }
    return pickle.dumps(batch, protocol=protocol)


def write_cifar10(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        (folder / f"data_batch_{i}").write_bytes(cifar_batch(4, "labels", 10, i))
    (folder / "test_batch").write_bytes(cifar_batch(3, "labels", 10, 9, protocol=4))
    names = [
        n.encode() for n in "airplane automobile bird cat deer dog frog horse ship truck".split()
    ]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names}, protocol=2))


def test_cifar10_folder_and_tarball(tmp_path: Path) -> None:
    write_cifar10(tmp_path / "cifar-10-batches-py")
    ds = data.load("cifar10", tmp_path)
    assert ds.x_train.shape == (20, 3072) and ds.x_test.shape == (3, 3072)
    assert ds.classes[0] == "airplane" and ds.image_shape == (3, 32, 32)
    first = pickle.loads((tmp_path / "cifar-10-batches-py" / "data_batch_1").read_bytes())
    red = first[b"data"][0, :1024] / 255.0
    assert np.allclose(ds.x_train[0, :1024], (red - 0.4914) / 0.2470, atol=1e-5)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    from_tar = data.load("cifar10", archive)
    assert np.array_equal(from_tar.x_train, ds.x_train)
    assert np.array_equal(from_tar.y_test, ds.y_test)


def test_cifar100(tmp_path: Path) -> None:
    (tmp_path / "train").write_bytes(cifar_batch(6, "fine_labels", 100, 1))
    (tmp_path / "test").write_bytes(cifar_batch(2, "fine_labels", 100, 2))
    ds = data.load("cifar100", tmp_path)
    assert ds.n_classes == 100 and ds.x_train.shape == (6, 3072)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pickle.dumps({b"data": _Evil()}), "refusing to load"),
        (cifar_batch(4, "labels", 10, 1)[:-30], "corrupt or truncated"),
        (pickle.dumps([1, 2, 3]), "holds a list"),
        (pickle.dumps({b"data": np.zeros((4, 100), np.uint8), b"labels": [0] * 4}), "3072"),
        (pickle.dumps({b"data": np.zeros((4, 3072), np.uint8)}), "no 'labels'"),
        (pickle.dumps({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1]}), "4 images"),
        (b"this is not a pickle", "not a CIFAR python batch|corrupt"),
    ],
)
def test_bad_cifar_batches(tmp_path: Path, content: bytes, message: str) -> None:
    write_cifar10(tmp_path)
    (tmp_path / "data_batch_3").write_bytes(content)
    with pytest.raises(ActlabError, match=message) as err:
        data.load("cifar10", tmp_path)
    assert "data_batch_3" in str(err.value)


def test_cifar_truncated_archive(tmp_path: Path) -> None:
    write_cifar10(tmp_path / "b")
    archive = tmp_path / "c.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "b", arcname="b")
    archive.write_bytes(archive.read_bytes()[:400])
    with pytest.raises(ActlabError, match=r"c\.tar\.gz"):
        data.load("cifar10", archive)


def test_csv_header_string_labels_and_label_choice(tmp_path: Path) -> None:
    rows = ["a,b,species"] + [f"{i},{i % 3},{'xyz'[i % 3]}" for i in range(12)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    ds = data.load("csv", path)
    assert ds.kind == "classification" and ds.classes == ("x", "y", "z")
    assert ds.n_features == 2 and len(ds.y_train) + len(ds.y_test) == 12
    with pytest.raises(ActlabError, match="line 2, species: 'x' is not a number"):
        data.load("csv", path, label="b")  # species is then a text feature
    with pytest.raises(ActlabError, match="no label column 'kind'"):
        data.load("csv", path, label="kind")
    numeric = tmp_path / "n.csv"
    numeric.write_text("".join(f"{i % 2},{i},{i * i}\n" for i in range(10)))
    first = data.load("csv", numeric, label=0)
    assert first.classes == ("0", "1") and first.n_features == 2
    assert data.load("csv", numeric, label="-1").kind == "regression"


def test_csv_regression_without_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("".join(f"{i},{2 * i + 0.5}\n" for i in range(20)))
    ds = data.load("csv", path)
    assert ds.kind == "regression" and ds.y_train.shape == (15, 1)
    assert abs(float(ds.y_train.mean())) < 1e-5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("a,b,c\n", "header but no data"),
        ("1,2,0\n3,4\n5,6,1\n", "line 2 has 2 fields, expected 3"),
        ("a,b,c\n1,2,0\n1,abc,1\n1,2,0\n3,3,1\n", "line 3, b: 'abc' is not a number"),
        ("1,2,0\n1,,1\n1,2,0\n3,3,1\n", "line 2, column 1: an empty cell"),
        ("1,inf,0\n1,2,1\n", "not a finite number"),
        ("1,2,0\n3,4,0\n5,6,0\n7,8,0\n", "only one class"),
        ("1,2,0\n3,4,1\n", "2 data rows; a study needs at least 4"),
        ("5\n6\n", "at least one feature column"),
    ],
)
def test_bad_csv(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ActlabError, match=message) as err:
        data.load("csv", path)
    assert str(path) in str(err.value)


def test_csv_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(gzip.compress(b"1,2,3\n"))
    with pytest.raises(ActlabError, match="not a text CSV"):
        data.load("csv", path)


def test_toy_sets_fixed_split() -> None:
    a = data.load("spiral", noise=10)
    b = data.load("spiral", noise=10)
    assert a.x_train.shape == (250, 2) and np.array_equal(a.x_test, b.x_test)
    plane = data.load("plane")
    assert plane.kind == "regression" and plane.y_train.shape == (600, 1)


def test_registry_errors() -> None:
    with pytest.raises(ActlabError, match="unknown dataset 'mnistt'"):
        data.info("mnistt")
    with pytest.raises(ActlabError, match="needs --data"):
        data.load("cifar10")
    with pytest.raises(ActlabError, match="takes no option 'label'"):
        data.load("digits", label="x")


def _fake_opener(payload: bytes):
    def opener(url: str, timeout: float):
        return io.BytesIO(payload)

    return opener


def test_download_checks_md5_and_is_atomic(tmp_path: Path) -> None:
    payload = gzip.compress(idx_bytes(np.arange(5, dtype=np.uint8)))
    good = data.RemoteFile(
        "https://example.invalid/x-idx1-ubyte.gz", hashlib.md5(payload).hexdigest()
    )
    record = data.DatasetInfo(
        "tiny_dl", "classification", "t", "idx:load", data.info("csv").defaults, files=(good,)
    )
    data.register(record)
    try:
        from actlab.data.download import download

        paths = download("tiny_dl", tmp_path, opener=_fake_opener(payload))
        assert paths[0].read_bytes() == payload
        paths[0].unlink()
        with pytest.raises(ActlabError, match="checksum mismatch"):
            download("tiny_dl", tmp_path, opener=_fake_opener(payload + b"!"))
        assert list(tmp_path.iterdir()) == []  # nothing half-written left behind
    finally:
        data.REGISTRY.unregister("tiny_dl")


def test_download_unpacks_a_checked_archive(tmp_path: Path) -> None:
    write_cifar10(tmp_path / "src" / "cifar-10-batches-py")
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    payload = archive.read_bytes()
    remote = data.RemoteFile("https://example.invalid/c.tar.gz", hashlib.md5(payload).hexdigest())
    cifar = data.info("cifar10")
    record = data.DatasetInfo(
        "tiny_tar", "classification", "t", "cifar:load", cifar.defaults, files=(remote,)
    )
    data.register(record)
    try:
        from actlab.data.download import download

        download("tiny_tar", tmp_path / "dl", opener=_fake_opener(payload))
        assert data.load("cifar10", tmp_path / "dl").x_train.shape == (20, 3072)
    finally:
        data.REGISTRY.unregister("tiny_tar")


def test_download_without_network_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    def offline(url: str, timeout: float):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    assert main(["data", "download", "mnist", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no network connection" in err
    assert list(tmp_path.iterdir()) == []
    # into the default folder: a failed first download leaves no empty folder behind
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path / "cache"))
    assert main(["data", "download", "mnist"]) == 2
    assert not (tmp_path / "cache" / "mnist").exists()


def test_data_cli(capsys, tmp_path: Path) -> None:
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in data.names():
        assert name in out
    write_mnist(tmp_path)
    assert main(["data", "info", "mnist", "--data", str(tmp_path)]) == 0
    assert "12 train, 5 test, 784 features" in capsys.readouterr().out
    assert main(["data", "info", "digits", "--label", "x"]) == 2
    assert "--label does not apply" in capsys.readouterr().err


def test_data_info_json_and_nothing_to_download(capsys) -> None:
    assert main(["data", "info", "digits", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["defaults"]["model"] == "mlp:64" and info["arrays"]["n_train"] == 1347
    assert main(["data", "download", "digits"]) == 2
    assert "nothing to download" in capsys.readouterr().err
    assert main(["data", "info", "circle", "--noise", "90"]) == 2
    assert "noise is a percent" in capsys.readouterr().err
