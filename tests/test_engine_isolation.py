"""The engine is pure numpy: importing it never pulls in the user interface."""

from __future__ import annotations

import subprocess
import sys

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
