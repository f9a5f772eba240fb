"""Tasks are enqueued only after the transaction that asked for them has committed, so a
worker never looks for a row that is not committed yet (or was rolled back).

Every `.delay(` / `.apply_async(` in the project's code must be inside a
`transaction.on_commit(...)` callback, in a task (no request transaction around it), in a
management command (each service call there commits before it returns), or at a reviewed
call site in ALLOWED below. `delay_on_commit()` is always fine. A new direct enqueue fails
this test: use `task.delay_on_commit(...)` or `transaction.on_commit(...)`."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "common",
    "accounts",
    "inventory",
    "suppliers",
    "forecasting",
    "optimization",
    "alerts",
    "config",
)
ENQUEUE = {"delay", "apply_async"}
TASK_DECORATORS = {"shared_task", "task"}

# (module, enclosing function): why enqueueing there directly is safe.
ALLOWED = {
    (
        "common/runs.py",
        "_queue_logging_failure",
    ): "called only from a transaction.on_commit callback",
    ("common/runs.py", "then_start"): "called only from tasks, once the step before has finished",
    (
        "alerts/services/alerts.py",
        "_notify_later",
    ): "called only from a transaction.on_commit callback",
}
# Helpers above that must only be called from an on_commit callback (checked below).
ON_COMMIT_ONLY = {
    ("common/runs.py", "_queue_logging_failure"),
    ("alerts/services/alerts.py", "_notify_later"),
}


def _is_on_commit(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "on_commit"


def _is_task(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in TASK_DECORATORS:
            return True
    return False


def _calls(tree: ast.AST, names: set[str]) -> list[tuple[ast.Call, list[ast.AST]]]:
    """Calls of `.name(` / `name(` with the chain of nodes around each (outermost first)."""
    found: list[tuple[ast.Call, list[ast.AST]]] = []

    def walk(node: ast.AST, parents: list[ast.AST]) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in names:
                found.append((node, parents))
        for child in ast.iter_child_nodes(node):
            walk(child, [*parents, node])

    walk(tree, [])
    return found


def _inside_on_commit(parents: list[ast.AST]) -> bool:
    return any(isinstance(node, ast.Call) and _is_on_commit(node) for node in parents)


def direct_enqueues(source: str, module: str) -> list[str]:
    """The enqueue calls of `source` that no rule above accepts, as 'module:line function'."""
    if "/management/commands/" in f"/{module}":
        return []
    refused = []
    for call, parents in _calls(ast.parse(source), ENQUEUE):
        functions = [n for n in parents if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        enclosing = functions[-1].name if functions else "<module>"
        if _inside_on_commit(parents) or any(_is_task(f) for f in functions):
            continue
        if (module, enclosing) in ALLOWED:
            continue
        refused.append(f"{module}:{call.lineno} {enclosing}")
    return refused


def project_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_every_enqueue_happens_after_commit() -> None:
    refused = [
        hit
        for path in project_modules()
        for hit in direct_enqueues(path.read_text(), path.relative_to(ROOT).as_posix())
    ]

    assert refused == [], "enqueue inside a transaction? use delay_on_commit: " + str(refused)


def test_the_reviewed_helpers_are_only_called_after_commit() -> None:
    for module, helper in ON_COMMIT_ONLY:
        tree = ast.parse((ROOT / module).read_text())
        calls = _calls(tree, {helper})
        assert calls, f"{module}: {helper} is never called: remove it from ALLOWED"
        for call, parents in calls:
            assert _inside_on_commit(parents), f"{module}:{call.lineno} calls {helper} directly"


def test_every_reviewed_call_site_still_exists() -> None:
    for module, function in ALLOWED:
        tree = ast.parse((ROOT / module).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert function in names, f"{module}:{function} is gone: remove it from ALLOWED"


def test_a_direct_enqueue_in_a_service_is_caught() -> None:
    service = """
from django.db import transaction

def order_place(*, order_id):
    with transaction.atomic():
        notify.delay(order_id)
        transaction.on_commit(lambda: notify.delay(order_id))
        notify.delay_on_commit(order_id)
    report.apply_async(args=[order_id])

@shared_task(name="x")
def nightly():
    notify.delay(1)
"""

    assert direct_enqueues(service, "suppliers/services/purchase_orders.py") == [
        "suppliers/services/purchase_orders.py:6 order_place",
        "suppliers/services/purchase_orders.py:9 order_place",
    ]
    assert direct_enqueues(service, "suppliers/management/commands/place.py") == []
