"""The engine is pure numpy: importing it never pulls in the user interface."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
import mlp
import mlp.lab, mlp.gradcheck, mlp.introspect, mlp.evaluate, mlp.runfile
trainer = mlp.Trainer(mlp.RunConfig(hidden=(3,)))
trainer.train(3)
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich", "tui", "lessons"))
print(",".join(ui))
"""


def test_importing_and_using_mlp_imports_no_ui() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "", f"mlp imported: {done.stdout.strip()}"


def test_the_check_would_see_a_ui_import() -> None:
    """The subprocess check is live: importing rich there is noticed."""
    script = SCRIPT.replace("import mlp\n", "import mlp\nimport rich.text\n", 1)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "rich" in done.stdout


ROOT = Path(__file__).resolve().parent.parent


def private_reaches(source: str) -> list[str]:
    """``obj._name`` where obj is not self or cls: another object's private member.

    Private classes a library exposes for annotations (``argparse._SubParsersAction``)
    are not members: like the team's grep, only ``_`` and a lower-case letter count.
    """
    found = []
    # Documented public functions of the standard library that merely start with "_".
    documented = {("os", "_exit")}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not (name.startswith("_") and name[1:2].islower()):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        if isinstance(node.value, ast.Name) and (node.value.id, name) in documented:
            continue
        found.append(f"{node.lineno}: .{name}")
    return found


def test_no_module_reaches_into_another_objects_private_members() -> None:
    offences = {
        str(path.relative_to(ROOT)): hits
        for package in ("mlp", "tui", "lessons")
        for path in sorted((ROOT / package).rglob("*.py"))
        if (hits := private_reaches(path.read_text(encoding="utf-8")))
    }
    assert offences == {}


def test_the_private_member_check_sees_a_reach() -> None:
    source = "trainer._order.copy()\nself._x = 1\nx.__class__\nargparse._Action\nos._exit(1)"
    assert private_reaches(source) == ["1: ._order"]
