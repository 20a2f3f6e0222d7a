"""A model file cannot exhaust memory: every member is checked before it is read.

Each hostile file is made in the test from a real saved model. A member inflated to 256 MiB (a few
hundred kilobytes deflated) would more than double the traced memory of a load that read it; loading
must fail with the documented ValueError having allocated less than the 100 MB a few-MB hostile file
may cost.
"""

import contextlib
import io
import tracemalloc
import zipfile

import keras
import numpy as np
import pytest
from fresh_process import run_python

from sknnlite import TinyNetClassifier, TinyNetRegressor
from sknnlite._model_file import MAX_COMPRESSION_RATIO
from sknnlite._persistence import ARRAYS_MEMBER, STATE_MEMBER
from sknnlite.datasets import make_sum_threshold

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BOMB_BYTES = 256 * 2**20
MEMORY_BOUND = 100 * 2**20


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, y = make_sum_threshold(60, random_state=0)
    clf = TinyNetClassifier((4,), epochs=3, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("model") / "clf.keras"
    clf.save(path)
    return path, clf, X


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _write(out, entries):
    """A zip of ``(name, data, compression)`` entries; ``data`` may be an int: that many zero bytes."""
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, compression in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if isinstance(data, int):
                with archive.open(info, "w") as member:
                    chunk = bytes(2**24)
                    for _ in range(data // len(chunk)):
                        member.write(chunk)
            else:
                archive.writestr(info, data)
    return out


def _replaced(path, out, name, data, compression=zipfile.ZIP_STORED):
    entries = [(i.filename, data if i.filename == name else d, compression if i.filename == name else 0)
               for i, d in _members(path)]  # fmt: skip
    return _write(out, entries)


def _refused(path, match):
    """Loading fails with ValueError naming the file, having traced less than MEMORY_BOUND."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match) as raised:
            TinyNetClassifier.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert repr(str(path)) in str(raised.value)
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MiB traced"


@pytest.mark.parametrize("member", [STATE_MEMBER, ARRAYS_MEMBER, "model.weights.h5", "config.json"])
def test_an_inflated_member_is_refused_unread(saved, tmp_path, member):
    path, _, _ = saved
    bomb = _replaced(path, tmp_path / "bomb.keras", member, BOMB_BYTES, zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 2**20
    limit = "more than the 67108864" if member in (STATE_MEMBER, "config.json") else "zip bomb"
    _refused(bomb, f"{member}.*{limit}")


def test_an_inflated_array_inside_the_arrays_member_is_refused_unread(saved, tmp_path):
    path, _, _ = saved
    npz = _write(tmp_path / "inner.npz", [("a0.npy", BOMB_BYTES, zipfile.ZIP_DEFLATED)]).read_bytes()
    _refused(_replaced(path, tmp_path / "bomb.keras", ARRAYS_MEMBER, npz), "a0.npy.*zip bomb")


def _declare_size(data, name, size):
    """``data`` (a zip) with ``name``'s uncompressed size field set to ``size`` in both headers."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name).header_offset
    data[local + 22 : local + 26] = size.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = size.to_bytes(4, "little")
    return bytes(data)


def test_a_member_that_inflates_beyond_its_declared_size_is_cut_there(saved, tmp_path):
    path, _, _ = saved
    bomb = _replaced(path, tmp_path / "bomb.keras", ARRAYS_MEMBER, BOMB_BYTES, zipfile.ZIP_DEFLATED)
    lying = tmp_path / "lying.keras"
    lying.write_bytes(_declare_size(bomb.read_bytes(), ARRAYS_MEMBER, 1000))
    assert zipfile.ZipFile(lying).getinfo(ARRAYS_MEMBER).file_size == 1000
    _refused(lying, f"{ARRAYS_MEMBER}.*cannot be read .*CRC")


@pytest.mark.parametrize(
    "header_shape, reason",
    [
        ((10**9,), "declares .* bytes, but the member holds"),
        ((1,), "declares .* bytes, but the member holds"),
    ],
    ids=["claims more", "claims less"],
)
def test_an_array_whose_header_disagrees_with_its_size_is_refused(saved, tmp_path, header_shape, reason):
    path, _, _ = saved
    body = np.zeros(100, dtype="<f8").tobytes()
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": header_shape}
    )
    npz = _write(tmp_path / "x.npz", [("a0.npy", header.getvalue() + body, zipfile.ZIP_STORED)]).read_bytes()
    _refused(_replaced(path, tmp_path / "lying.keras", ARRAYS_MEMBER, npz), reason)


def test_arrays_of_the_wrong_dtype_or_shape_for_the_record_are_refused(saved, tmp_path):
    path, _, _ = saved
    arrays = dict(np.load(io.BytesIO(zipfile.ZipFile(path).read(ARRAYS_MEMBER))))
    for change, match in [
        (lambda a: a.astype(np.complex128) if a.dtype.kind == "f" else a, "malformed estimator record"),
        (lambda a: a[..., :-1] if a.ndim == 2 else a, "malformed estimator record"),
    ]:
        buffer = io.BytesIO()
        np.savez(buffer, **{name: change(a) for name, a in arrays.items()})
        _refused(_replaced(path, tmp_path / "changed.keras", ARRAYS_MEMBER, buffer.getvalue()), match)


def test_a_truncated_member_is_refused(saved, tmp_path):
    path, _, _ = saved
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(ARRAYS_MEMBER)
    corrupted = bytearray(data)  # the member's bytes zeroed out: its CRC no longer matches
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    corrupted[start : start + info.compress_size] = bytes(info.compress_size)
    (tmp_path / "crc.keras").write_bytes(bytes(corrupted))
    _refused(tmp_path / "crc.keras", f"{ARRAYS_MEMBER}.*cannot be read")
    (tmp_path / "half.keras").write_bytes(data[: len(data) // 2])
    _refused(tmp_path / "half.keras", r"not a readable \.keras file")
    with pytest.raises(FileNotFoundError):  # not a malformed file: no file at all
        TinyNetClassifier.load(tmp_path / "missing.keras")


@pytest.mark.parametrize(
    "name, match",
    [
        ("../outside.txt", "points outside the archive"),
        ("/tmp/absolute.txt", "points outside the archive"),
        ("assets/../../outside.txt", "points outside the archive"),
        ("notes.txt", "unexpected member 'notes.txt'"),
        (STATE_MEMBER, f"{STATE_MEMBER}' appears twice"),
    ],
    ids=["traversal", "absolute", "traversal-in-assets", "unexpected", "duplicate"],
)
def test_a_member_name_outside_the_expected_set_is_refused(saved, tmp_path, name, match):
    path, _, _ = saved
    entries = [(i.filename, d, 0) for i, d in _members(path)] + [(name, b"{}", 0)]
    with pytest.warns(UserWarning, match="Duplicate name") if "twice" in match else contextlib.nullcontext():
        forged = _write(tmp_path / "forged.keras", entries)
    _refused(forged, match)
    assert not (tmp_path.parent / "outside.txt").exists()


def test_an_unusual_compression_method_is_refused(saved, tmp_path):
    path, _, _ = saved
    record = zipfile.ZipFile(path).read(STATE_MEMBER)
    forged = _replaced(path, tmp_path / "bz2.keras", STATE_MEMBER, record, zipfile.ZIP_BZIP2)
    _refused(forged, "compression method 12")


def test_a_normal_file_is_far_inside_the_bounds(saved, tmp_path):
    """What save writes is stored 1:1; a file re-zipped by a tool (deflated) loads too."""
    path, clf, X = saved
    for info, _ in _members(path):
        assert info.compress_type == zipfile.ZIP_STORED
    deflated = _write(
        tmp_path / "deflated.keras", [(i.filename, d, zipfile.ZIP_DEFLATED) for i, d in _members(path)]
    )
    for info, _ in _members(deflated):
        assert info.file_size <= MAX_COMPRESSION_RATIO * info.compress_size or info.file_size < 2**20
    np.testing.assert_array_equal(TinyNetClassifier.load(deflated).predict_proba(X), clf.predict_proba(X))


def test_loading_the_built_in_network_imports_no_tensorflow(saved, tmp_path):
    """The record holds the weights; the Keras part is for keras.saving.load_model, not read by load."""
    path, clf, X = saved
    np.save(tmp_path / "X.npy", X)
    script = (
        "import sys, numpy as np\n"
        "from sknnlite import TinyNetClassifier\n"
        f"clf = TinyNetClassifier.load({str(path)!r})\n"
        f"proba = clf.predict_proba(np.load({str(tmp_path / 'X.npy')!r}))\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
        "print(proba.sum())\n"
    )
    done = run_python("-c", script)
    assert float(done.stdout) == pytest.approx(clf.predict_proba(X).sum())


def build(meta):
    return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])


def test_a_custom_networks_inflated_weights_are_refused_before_keras_reads_them(tmp_path):
    X, y = make_sum_threshold(40, random_state=0)
    reg = TinyNetRegressor(model=build, epochs=2, random_state=0).fit(X, y.astype(float))
    reg.save(tmp_path / "reg.keras")
    bomb = _replaced(tmp_path / "reg.keras", tmp_path / "bomb.keras", "model.weights.h5", BOMB_BYTES, 8)
    with pytest.raises(ValueError, match=r"model\.weights\.h5.*zip bomb"):
        TinyNetRegressor.load(bomb, trusted=[build])
    garbage = _replaced(tmp_path / "reg.keras", tmp_path / "garbage.keras", "model.weights.h5", b"not hdf5")
    with pytest.raises(ValueError, match=r"the Keras weights \(model\.weights\.h5\) cannot be read"):
        TinyNetRegressor.load(garbage, trusted=[build])


def test_custom_weights_declaring_more_than_the_network_holds_are_refused_unread(tmp_path):
    """An HDF5 file compresses its own datasets: a small file can declare a huge one."""
    h5py = pytest.importorskip("h5py")
    X, y = make_sum_threshold(40, random_state=0)
    reg = TinyNetRegressor(model=build, epochs=2, random_state=0).fit(X, y.astype(float))
    reg.save(tmp_path / "reg.keras")
    with h5py.File(tmp_path / "huge.h5", "w") as weights:
        weights.create_dataset(
            "layers/dense/vars/0",
            shape=(BOMB_BYTES // 4,),
            dtype="float32",
            chunks=(2**20,),
            compression="gzip",
        )
    assert (tmp_path / "huge.h5").stat().st_size < 2**20
    forged = _replaced(
        tmp_path / "reg.keras",
        tmp_path / "forged.keras",
        "model.weights.h5",
        (tmp_path / "huge.h5").read_bytes(),
    )
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"model\.weights\.h5\) declare 268435456 bytes"):
            TinyNetRegressor.load(forged, trusted=[build])
        assert tracemalloc.get_traced_memory()[1] < MEMORY_BOUND
    finally:
        tracemalloc.stop()
