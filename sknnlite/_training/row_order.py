"""Every engine's row order: epoch ``e`` of seed ``s`` shuffles the rows the same way everywhere.

A hash of the row index, the seed and the epoch in exact integer
arithmetic, written once for TensorFlow's graph (``epoch_keys``) and once
with array operators for NumPy and ``jax.numpy`` (``epoch_keys_array``,
``epoch_order``), so the graph, XLA, blocked, JAX and ``model.fit`` loops
take the same minibatches and reach the same weights.
"""

import numpy as np

_LOW_32_BITS = 0xFFFFFFFF


def epoch_keys(size, seed, epoch):
    """Sort keys putting rows ``0 .. size - 1`` in the epoch's random order (distinct int64 keys).

    A hash of the row index, the seed and the epoch in exact integer
    arithmetic: TensorFlow's stateless random ops draw other numbers under XLA
    than without it when the seed is not a constant, and the XLA loop must
    order rows as the plain loop does (sparse X trains as its dense copy). A
    row's key does not depend on ``size``, so padding rows sorted last leave
    the real rows' order unchanged.
    """
    import tensorflow as tf

    seed = tf.bitwise.bitwise_and(tf.cast(seed, tf.int64), _LOW_32_BITS)
    first = _mix32(seed[0])
    second = _mix32(
        tf.bitwise.bitwise_xor(
            tf.bitwise.bitwise_and(seed[1] + tf.cast(epoch, tf.int64), _LOW_32_BITS), first
        )
    )
    rows = tf.range(size, dtype=tf.int64)
    return _mix32(tf.bitwise.bitwise_xor(_mix32(tf.bitwise.bitwise_xor(rows, first)), second))


def _mix32(x):
    """A bijection of 32-bit integers (held in int64) that scatters nearby values (a common integer hash)."""
    import tensorflow as tf

    for _ in range(2):
        x = tf.bitwise.bitwise_and(
            tf.bitwise.bitwise_xor(tf.bitwise.right_shift(x, 16), x) * 0x45D9F3B, _LOW_32_BITS
        )
    return tf.bitwise.bitwise_xor(tf.bitwise.right_shift(x, 16), x)


def epoch_keys_array(xp, size, seed, epoch, dtype="int64"):
    """:func:`epoch_keys` with array operators, for ``xp`` NumPy or ``jax.numpy``.

    ``model.fit`` (NumPy, ``int64``) and the JAX loop (``uint32``: JAX has no
    64-bit integers without x64) order rows with it, as the TensorFlow loops do.
    """
    mask, first, second = _epoch_mixers(xp, seed, epoch, dtype)
    rows = xp.arange(size, dtype=dtype)
    return _mix32_array(_mix32_array(rows ^ first, mask) ^ second, mask)


def _epoch_mixers(xp, seed, epoch, dtype):
    """The 32-bit mask and the two values of ``(seed, epoch)`` the row hash mixes in (:func:`epoch_keys`)."""
    # An array, not a Python int: without x64, JAX reads a Python int as int32, where 2**32 - 1 overflows.
    mask = xp.asarray(_LOW_32_BITS, dtype=dtype)
    seed = xp.asarray(seed).astype(dtype) & mask
    first = _mix32_array(seed[0], mask)
    second = _mix32_array(((seed[1] + xp.asarray(epoch).astype(dtype)) & mask) ^ first, mask)
    return mask, first, second


def epoch_order(size, seed, epoch):
    """The epoch's row order in NumPy: ``argsort`` of :func:`epoch_keys_array`, its keys mixed in place.

    Large X trains from NumPy (``model.fit``, the blocked loop), where each
    temporary of ``size`` int64 keys costs 8 bytes per row.
    """
    mask, first, second = _epoch_mixers(np, seed, epoch, "int64")
    keys = np.arange(size, dtype=np.int64)
    keys ^= first
    _mix32_in_place(keys, mask)
    keys ^= second
    _mix32_in_place(keys, mask)
    return np.argsort(keys, kind="stable")


def _mix32_in_place(x, mask):
    """:func:`_mix32_array` on a NumPy array, overwriting it."""
    for _ in range(2):
        x ^= x >> 16
        x *= 0x45D9F3B
        x &= mask
    x ^= x >> 16


def _mix32_array(x, mask):
    """:func:`_mix32` with array operators (the products fit in int64; uint32 wraps by itself)."""
    for _ in range(2):
        x = (((x >> 16) ^ x) * 0x45D9F3B) & mask
    return (x >> 16) ^ x
