"""The package's layout: imports between its modules go one way (CONTRIBUTING.md, "one room per job")."""

import ast
import pathlib

import sknnlite

PACKAGE = pathlib.Path(sknnlite.__file__).parent


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports():
    """Each module of the package -> the modules of the package it imports, at any level of its code."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = f"{base}.{node.module}" if node.module else base
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    imported.add(submodule if submodule in paths else target)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names if alias.name in paths)
            elif isinstance(node, ast.ImportFrom) and node.module in paths:
                imported.add(node.module)
        # Importing a submodule runs its packages' __init__ first.
        for target in list(imported):
            parts = target.split(".")
            imported.update(".".join(parts[:i]) for i in range(2, len(parts)))
        graph[name] = {t for t in imported if t in paths and t != name and not name.startswith(t + ".")}
    return graph


def _cycles(graph):
    state, stack, found = {}, [], []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_package_has_no_import_cycle():
    graph = _imports()
    assert "sknnlite._training.engine" in graph["sknnlite._base"]  # the graph sees the real imports
    assert _cycles(graph) == []


def test_a_cycle_is_found_through_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]


def test_the_training_engines_and_persistence_never_import_the_estimators():
    estimators = {"sknnlite._base", "sknnlite._classifier", "sknnlite._regressor", "sknnlite"}
    graph = _imports()

    def reachable(module, seen=None):
        seen = set() if seen is None else seen
        for target in graph[module] - seen:
            seen.add(target)
            reachable(target, seen)
        return seen

    for module in graph:
        if module.startswith("sknnlite._training") or module == "sknnlite._persistence":
            assert not reachable(module) & estimators, module
