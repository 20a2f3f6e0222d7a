"""Reading a model file's zip members within bounds, so a small file cannot claim gigabytes.

A zip member declares its uncompressed size, and a deflated member of a few
megabytes can inflate to gigabytes. Every member is checked before a byte of
it is inflated: a safe name (no path outside the archive, no duplicate), a
known role, a size below its role's limit and a compression ratio no real
model file has. Reading stops at the declared size. The arrays member is a
zip of ``.npy`` files itself: each one's header (dtype and shape) must
account for its declared size exactly, and object arrays are refused.
"""

import io
import math
import posixpath
import zipfile

import numpy as np

# Keras' own members of a .keras archive (keras.saving.save_model); "assets/..." holds layer assets.
KERAS_MEMBERS = ("metadata.json", "config.json", "model.weights.h5", "model.weights.npz")
ASSETS_PREFIX = "assets/"
JSON_MEMBERS = ("metadata.json", "config.json")
# Far above any real model's JSON (an estimator record is kilobytes; classes_ of a million string
# labels is tens of megabytes), far below what would strain a server's memory.
MAX_JSON_BYTES = 64 * 2**20
# save() stores members uncompressed (1:1) and zip tools deflate floats by less than 2:1; small members
# (HDF5 files are mostly zero padding) get slack. A bomb of zeros deflates about 1000:1.
MAX_COMPRESSION_RATIO = 20
SMALL_MEMBER_BYTES = 2**20


def _problem(source, text):
    return ValueError(f"{source}: {text}")


def _check_name(name, source):
    normalized = posixpath.normpath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or normalized.startswith("..")
        or normalized != name.rstrip("/")
    ):
        raise _problem(source, f"the member name {name!r} points outside the archive; refusing the file.")


def _check_size(info, source, limit=None):
    if info.flag_bits & 0x1:
        raise _problem(source, f"the member {info.filename!r} is encrypted.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _problem(
            source, f"the member {info.filename!r} uses compression method {info.compress_type}; "
            "a model file's members are stored or deflated."
        )  # fmt: skip
    if limit is not None and info.file_size > limit:
        raise _problem(
            source, f"the member {info.filename!r} declares {info.file_size} bytes, more than the "
            f"{limit} this part of a model file may hold."
        )  # fmt: skip
    ratio_limit = max(SMALL_MEMBER_BYTES, MAX_COMPRESSION_RATIO * info.compress_size)
    if info.file_size > ratio_limit:
        raise _problem(
            source, f"the member {info.filename!r} declares {info.file_size} bytes inflated from "
            f"{info.compress_size} (more than {MAX_COMPRESSION_RATIO}:1); a model file's data do not "
            "compress like that, so it is refused unread (a zip bomb)."
        )  # fmt: skip


def _read(archive, info, source):
    """The member's bytes, reading no more than it declares."""
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise _problem(source, f"the member {info.filename!r} cannot be read ({error}).") from None
    if len(data) != info.file_size:
        raise _problem(
            source, f"the member {info.filename!r} holds {len(data)} bytes but declares {info.file_size}."
        )
    return data


def _infos(archive, source, allowed):
    """The archive's entries by name, after the checks every member passes."""
    infos = {}
    for info in archive.infolist():
        _check_name(info.filename, source)
        if info.filename in infos:
            raise _problem(source, f"the member {info.filename!r} appears twice; refusing the file.")
        if not allowed(info.filename):
            raise _problem(source, f"unexpected member {info.filename!r} (not part of a model file).")
        infos[info.filename] = info
    return infos


def _open(data_or_path, source):
    if isinstance(data_or_path, str):
        opening, malformed = data_or_path, ()  # a missing or unreadable path stays an OSError
    else:
        opening, malformed = io.BytesIO(data_or_path), (OSError,)
    try:
        return zipfile.ZipFile(opening)
    except (zipfile.BadZipFile, EOFError, ValueError, zipfile.LargeZipFile, *malformed) as error:
        raise _problem(source, f"not a readable .keras file (a zip archive): {error}.") from None


def is_keras_member(name):
    return name in KERAS_MEMBERS or name.startswith(ASSETS_PREFIX)


def read_archive(path_or_bytes, source, own_members, json_members=()):
    """``{name: bytes}`` of every member of a ``.keras`` archive, each checked and read within bounds.

    ``own_members(name)`` tells which names besides Keras' own belong to the file; those named in
    ``json_members`` are held to the JSON limit, as Keras' JSON members are.
    """
    with _open(path_or_bytes, source) as archive:
        infos = _infos(archive, source, lambda name: is_keras_member(name) or own_members(name))
        for name, info in infos.items():
            json_like = name in JSON_MEMBERS or name in json_members
            _check_size(info, source, MAX_JSON_BYTES if json_like else None)
        return {name: _read(archive, info, source) for name, info in infos.items() if not info.is_dir()}


def write_archive(members, path):
    """A ``.keras`` file holding ``members`` (already checked), for Keras to open."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def read_arrays(npz_bytes, source):
    """The arrays of an ``.npz`` member, each checked against its ``.npy`` header before it is read."""
    with _open(npz_bytes, f"{source} (the estimator's arrays)") as archive:
        infos = _infos(archive, source, lambda name: name.endswith(".npy") and "/" not in name)
        for info in infos.values():
            _check_size(info, source)
            _check_npy_header(archive, info, source)
    try:
        with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise _problem(source, f"the estimator's arrays cannot be read ({error}).") from None


def _check_npy_header(archive, info, source):
    what = f"the estimator's arrays cannot be read (member {info.filename!r}: "
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            header_bytes = member.tell()
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise _problem(source, f"{what}{error}).") from None
    if dtype.hasobject:
        raise _problem(source, f"{what}it holds Python objects, which are pickled; only plain arrays load).")
    declared = header_bytes + math.prod(shape) * dtype.itemsize
    if declared != info.file_size:
        raise _problem(
            source, f"{what}its header declares {shape} of {dtype}, {declared} bytes, but the member holds "
            f"{info.file_size}).")  # fmt: skip


def check_keras_weights(members, expected_bytes, source):
    """The Keras weights member holds no more than a network of ``expected_bytes`` of weights needs.

    Its datasets' sizes are read from the HDF5 metadata (no data read): a small file can declare huge
    datasets with HDF5's own compression. Optimizer slots (Adam keeps two per weight) fit within 4x.
    """
    data = members.get("model.weights.h5")
    if data is None:
        return
    import h5py

    limit = 4 * expected_bytes + SMALL_MEMBER_BYTES
    declared = []

    def add(_, item):
        if isinstance(item, h5py.Dataset):
            declared.append(item.size * item.dtype.itemsize)

    try:
        with h5py.File(io.BytesIO(data), "r") as weights:
            weights.visititems(add)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise _problem(source, f"the Keras weights (model.weights.h5) cannot be read ({error}).") from None
    if sum(declared) > limit:
        raise _problem(
            source, f"the Keras weights (model.weights.h5) declare {sum(declared)} bytes of arrays; the "
            f"estimator record's network has {expected_bytes}, so at most {limit} are expected."
        )  # fmt: skip
