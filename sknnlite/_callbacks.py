"""Keras callbacks as SciKeras takes them: instances, or classes built per fit from ``callbacks__*``.

``callbacks`` may be one callback, a list, or a dict of named callbacks; each
is an instance (deep-copied per fit, so a cloned or refitted estimator never
shares state) or a ``keras.callbacks.Callback`` subclass, built at every fit
from routed arguments: ``callbacks__monitor="loss"`` for a single class,
``callbacks__0__monitor`` / ``callbacks__es__monitor`` for a list's or a
dict's entry, integer names (``callbacks__es__0``) for positional arguments.
"""

import copy


def entries(callbacks):
    """``(key, callback)`` pairs: list positions or dict names as strings; None for a single one."""
    if callbacks is None:
        return []
    if isinstance(callbacks, dict):
        return [(str(key), value) for key, value in callbacks.items()]
    if isinstance(callbacks, (list, tuple)):
        return [(str(i), value) for i, value in enumerate(callbacks)]
    return [(None, callbacks)]


def _arguments(routed, key):
    """The ``callbacks__*`` arguments of one entry, split into positional and keyword arguments."""
    if key is None:
        mine = {name: value for name, value in routed.items() if "__" not in name}
    else:
        start = key + "__"
        mine = {name[len(start) :]: value for name, value in routed.items() if name.startswith(start)}
    positional = sorted((int(name), value) for name, value in mine.items() if name.isdigit())
    if [i for i, _ in positional] != list(range(len(positional))):
        raise ValueError(
            f"Positional callback arguments must be numbered 0, 1, 2, ... without gaps; got "
            f"{[i for i, _ in positional]} for callbacks entry {key!r}."
        )
    keywords = {name: value for name, value in mine.items() if not name.isdigit()}
    return [value for _, value in positional], keywords


def check(callbacks, routed, where="callbacks"):
    """Reject ``callbacks__*`` arguments no entry takes, and entries that are not callbacks."""
    import keras

    pairs = entries(callbacks)
    keys = {key for key, _ in pairs}
    for key, callback in pairs:
        is_class = isinstance(callback, type) and issubclass(callback, keras.callbacks.Callback)
        if not (is_class or isinstance(callback, keras.callbacks.Callback)):
            raise ValueError(
                f"{where} takes keras.callbacks.Callback instances or subclasses (one, a list, or a dict "
                f"of them); got {callback!r}."
            )
        args, kwargs = _arguments(routed, key)
        if (args or kwargs) and not is_class:
            prefix = where if key is None else f"{where}__{key}"
            raise ValueError(
                f"{prefix}__<name> arguments build a callback class at each fit, but {where} entry "
                f"{key!r} is already an instance ({type(callback).__name__}); set its arguments where "
                "you create it, or pass the class."
            )
    single = keys == {None}
    unknown = sorted(
        name for name in routed if not (single and "__" not in name) and name.split("__", 1)[0] not in keys
    )
    if unknown:
        raise ValueError(
            f"{where}__ argument(s) {[f'{where}__{name}' for name in unknown]} name no {where} entry; "
            f"entries are {sorted(key for key in keys if key is not None)} (list positions or dict keys), "
            f"or {where}__<argument> when {where} is a single callback class."
        )


def build(callbacks, routed):
    """The callbacks for one fit: instances deep-copied, classes built from their routed arguments."""
    built = []
    for key, callback in entries(callbacks):
        if isinstance(callback, type):
            args, kwargs = _arguments(routed, key)
            built.append(callback(*args, **kwargs))
        else:
            built.append(copy.deepcopy(callback))
    return built
