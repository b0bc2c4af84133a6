"""The shape of the product code: no import cycles, no module past 400 lines."""

from __future__ import annotations

from tests.architecture.imports import cycle_path, cycles, import_graph, product_modules

MAX_MODULE_LINES = 400


def test_the_product_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    found = [" -> ".join(cycle_path(graph, component)) for component in cycles(graph)]
    assert not found, "import cycles (break them: name the task, move the shared piece down):\n" + "\n".join(
        found
    )


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycle_path(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_the_graph_sees_function_level_imports_but_not_type_checking_ones() -> None:
    graph = import_graph()
    # attacks.kinds opens sessions from inside a method: still a dependency.
    assert "attacks.services.sessions.opening" in graph["attacks.kinds"]
    # gauntlet.workqueue.registry names models only for type checking.
    assert "gauntlet.workqueue.models" not in graph["gauntlet.workqueue.registry"]


def test_no_product_module_is_over_400_lines() -> None:
    """Generated migrations are exempt (nobody edits them); everything else splits by concern."""
    long = {
        name: lines
        for name, path in product_modules().items()
        if ".migrations." not in f".{name}."
        and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
