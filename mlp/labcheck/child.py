"""The child process that runs a learner's lab code and records what it can observe.

Run as a script (``python child.py REQUEST RESULT STATUS_FD LIFELINE_FD``) by
:mod:`mlp.labcheck.runner`, never imported by the checker itself: the learner's file may loop
forever, print, call ``exit()`` or crash, and none of that may reach the checker's process. It
imports only the standard library and numpy, so that nothing of ours is importable by the
learner's code; it ends itself when the checker goes away.

It imports the learner's file, finds the class with the lab's methods, builds it with the lab's
constructor, sets W1, W2, W3 to the weights it was given and runs the lab's loop for each batch:
``pred = forwardPass(x)``, ``computeMSELoss(pred, label)``, ``Backpropagation()``. After each
call it copies the object's array attributes, and when each of the three methods returns it
copies its local variables (read with ``sys.setprofile``). Everything is written to RESULT as a
pickle of plain data; progress lines ("step 1 forwardPass") go to STATUS_FD so that the parent
can say where the code was when a time limit ended it.
"""

from __future__ import annotations

import contextlib
import difflib
import faulthandler
import importlib.util
import inspect
import os
import pickle
import re
import shutil
import signal
import sys
import threading
import traceback
from types import CodeType, FrameType, ModuleType
from typing import Any

import numpy as np

LOOP_METHODS = ("forwardPass", "computeMSELoss", "Backpropagation")
WEIGHTS = ("W1", "W2", "W3")
MODULE_NAME = "labcheck_learner"  # not "__main__": a guarded training loop must not run
MAX_ELEMENTS = 1_000_000  # larger arrays are not copied (nothing of the lab's is this big)
MAX_ITEMS = 16  # lists, tuples and dicts of arrays up to this length are looked inside
MAX_MESSAGE = 500  # characters of an exception's message kept
EXIT_ORPHANED = 70  # the checker went away before the learner's code finished


class InputError(Exception):
    """The file cannot be checked as the lab's code (no such class, a constructor that does
    not take the lab's arguments): one sentence for the user."""


class Finished(Exception):
    """The learner's code failed; ``error`` says where, as plain data."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error


# -- what is observed --------------------------------------------------------------------


def as_array(value: Any) -> np.ndarray | None:
    """A float64 copy of a numeric array, or None for anything else."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub" and value.size <= MAX_ELEMENTS:
        return np.array(value, dtype=np.float64)
    return None


def arrays(mapping: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The numeric arrays among ``mapping``'s values, also one level inside lists and dicts:
    ``{"Z1": ..., "A[1]": ..., "grads['W3']": ...}``."""
    found: dict[str, np.ndarray] = {}
    for name, value in mapping.items():
        if name in skip or name.startswith("__"):
            continue
        array = as_array(value)
        if array is not None:
            found[name] = array
        elif isinstance(value, (list, tuple)) and len(value) <= MAX_ITEMS:
            for i, item in enumerate(value):
                array = as_array(item)
                if array is not None:
                    found[f"{name}[{i}]"] = array
        elif isinstance(value, dict) and len(value) <= MAX_ITEMS:
            for key, item in value.items():
                array = as_array(item)
                if array is not None and isinstance(key, (str, int)):
                    found[f"{name}[{key!r}]"] = array
    return found


def attributes(obj: object) -> dict[str, np.ndarray]:
    """The object's array attributes but W1..W3 (recorded on their own, before and after)."""
    return arrays(dict(getattr(obj, "__dict__", {})), skip=WEIGHTS)


def scalars(obj: object) -> dict[str, float]:
    """The object's number-valued attributes (where a misnamed learning rate would be)."""
    found = {}
    for name, value in getattr(obj, "__dict__", {}).items():
        if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
            found[name] = float(value)
    return found


class LocalsRecorder:
    """Copies the locals of the lab's three methods as each returns (a ``sys.setprofile``
    hook: it sees every return without changing what the code does)."""

    def __init__(self, cls: type) -> None:
        self.codes: dict[CodeType, str] = {}
        for name in LOOP_METHODS:
            function = inspect.unwrap(getattr(cls, name, None) or (lambda: None))
            code = getattr(function, "__code__", None)
            if code is not None:
                self.codes[code] = name
        self.seen: dict[str, dict[str, np.ndarray]] = {}

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "return":
            name = self.codes.get(frame.f_code)
            if name is not None:  # the outermost return of a method comes last and wins
                self.seen[name] = arrays(frame.f_locals, skip=("self",))

    def __enter__(self) -> LocalsRecorder:
        sys.setprofile(self)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


# -- the learner's errors ----------------------------------------------------------------


def same_file(a: str | None, b: str) -> bool:
    return a is not None and os.path.realpath(a) == b


def describe_exception(exc: BaseException, path: str) -> dict[str, Any]:
    """Type, message and the innermost place in the learner's file, with that frame's arrays
    (for the hint about a product's shapes) and the name an AttributeError or NameError
    missed."""
    message = str(exc)
    if len(message) > MAX_MESSAGE:  # an exception that prints a whole array
        message = message[:MAX_MESSAGE] + " …"
    error: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": message,
        "file": None,
        "line": None,
        "function": None,
        "source": None,
        "locals": {},
        "name": getattr(exc, "name", None),
    }
    if isinstance(exc, SystemExit):
        error["message"] = f"exit({exc.code!r})" if exc.code is not None else "exit()"
    if isinstance(exc, SyntaxError) and same_file(exc.filename, path):
        error.update(
            file=exc.filename, line=exc.lineno, function="<module>", message=exc.msg or str(exc)
        )
        error["source"] = (exc.text or "").strip() or None
        return error
    # The innermost frame in their file; failing that, in their folder (a module of theirs).
    in_file = in_folder = None
    folder = os.path.dirname(path) + os.sep
    tb = exc.__traceback__
    while tb is not None:
        name = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if name == path:
            in_file = tb
        elif name.startswith(folder):
            in_folder = tb
        tb = tb.tb_next
    frame_found = in_file or in_folder
    if frame_found is None:
        return error
    frame = frame_found.tb_frame
    summary = traceback.extract_tb(frame_found, limit=1)[0]
    error.update(
        file=frame.f_code.co_filename,
        line=frame_found.tb_lineno,
        function=frame.f_code.co_name,
        source=(summary.line or "").strip() or None,
        locals=arrays(frame.f_locals, skip=("self",)),
    )
    if isinstance(exc, AttributeError) and error["name"] is None:
        match = re.search(r"has no attribute '(\w+)'", str(exc))
        error["name"] = match.group(1) if match else None
    return error


def reads_of(path: str, attribute: str) -> list[int]:
    """Lines of the file that read ``self.<attribute>`` (for the misnamed-lr hint)."""
    pattern = re.compile(rf"\bself\.{re.escape(attribute)}\b(?!\s*=[^=])")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return [n for n, line in enumerate(handle, start=1) if pattern.search(line)]
    except OSError:
        return []


# -- running the lab's loop --------------------------------------------------------------


class Child:
    def __init__(self, request: dict[str, Any], status_fd: int) -> None:
        self.request = request
        self.path = os.path.realpath(request["file"])
        self.status_fd = status_fd
        self.result: dict[str, Any] = {"status": "done", "steps": [], "notes": {}}

    def status(self, text: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self.status_fd, text.encode("utf-8", "replace") + b"\n")

    def learner(self, call: Any, *args: Any) -> Any:
        """Call into the learner's code; any exception (exit() too) becomes their error."""
        try:
            return call(*args)
        except BaseException as exc:  # noqa: BLE001 - everything they raise is theirs
            raise Finished(describe_exception(exc, self.path)) from None

    def run(self) -> dict[str, Any]:
        try:
            self.steps()
        except InputError as exc:
            self.result.update(status="input_error", message=str(exc))
        except Finished as done:
            self.result.update(status="learner_error", error=done.error)
        return self.result

    def import_file(self) -> ModuleType:
        self.status("import")
        spec = importlib.util.spec_from_file_location(MODULE_NAME, self.path)
        if spec is None or spec.loader is None:
            raise InputError(f"{self.request['file']} cannot be imported as a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[MODULE_NAME] = module
        self.learner(spec.loader.exec_module, module)
        return module

    def find_class(self, module: ModuleType) -> type:
        name = self.request["class_name"]
        shown = os.path.basename(self.path)
        defined = [
            v for v in vars(module).values() if isinstance(v, type) and v.__module__ == MODULE_NAME
        ]
        if name is not None:
            cls = getattr(module, name, None)
            if not isinstance(cls, type):
                have = ", ".join(c.__name__ for c in defined) or "none"
                raise InputError(f"{shown} has no class named {name} (classes defined: {have})")
            self.check_methods(cls)
            return cls
        everything = [v for v in vars(module).values() if isinstance(v, type)]
        complete = [c for c in defined if _has_loop(c)] or [c for c in everything if _has_loop(c)]
        if len(complete) == 1:
            return complete[0]
        if len(complete) > 1:
            names = ", ".join(c.__name__ for c in complete)
            raise InputError(
                f"{shown} has more than one class with the lab's methods ({names}): "
                "choose one with --class"
            )
        if not defined:
            raise InputError(
                f"{shown} defines no class; the check needs one with the lab's methods "
                f"{', '.join(LOOP_METHODS[:-1])} and {LOOP_METHODS[-1]}"
            )
        best = max(defined, key=lambda c: sum(callable(getattr(c, m, None)) for m in LOOP_METHODS))
        raise self.incomplete(best)

    def check_methods(self, cls: type) -> None:
        if not _has_loop(cls):
            raise self.incomplete(cls)

    def incomplete(self, cls: type) -> InputError:
        """The sentence for a class that lacks some of the loop's methods, with a guess at a
        misspelling."""
        missing = [m for m in LOOP_METHODS if not callable(getattr(cls, m, None))]
        own = [n for n in dir(cls) if not n.startswith("__")]
        guesses = []
        for method in missing:
            close = difflib.get_close_matches(method, own, n=1, cutoff=0.7)
            if close:
                guesses.append(f"is {close[0]} meant to be {method}?")
        lacking = " and ".join(missing)
        return InputError(
            f"class {cls.__name__} has no {lacking}; the lab's loop calls forwardPass(x), "
            "computeMSELoss(pred, label) and Backpropagation()"
            + (f" ({'; '.join(guesses)})" if guesses else "")
        )

    def build(self, cls: type) -> object:
        kwargs = self.request["kwargs"]
        call = f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        try:
            inspect.signature(cls).bind(**kwargs)
        except TypeError as exc:
            raise InputError(
                f"{call} cannot be called ({exc}); the check builds your network with the lab's "
                "constructor arguments input_size, hidden_size, output_size, lr and actFuncs"
            ) from None
        except ValueError:  # no signature to read: just try it
            pass
        self.status("__init__")
        return self.learner(lambda: cls(**kwargs))

    def set_weights(self, obj: object) -> None:
        for name, weights in self.request["weights"].items():
            current = getattr(obj, name, None)
            expected = "×".join(map(str, weights.shape))
            if current is None:
                raise Finished(
                    {
                        "type": "MissingWeights",
                        "message": f"after __init__ your network has no {name}; the check sets "
                        "W1, W2 and W3 to the engine's starting weights, so it needs them under "
                        "the lab's names",
                    }
                )
            shape = np.shape(current)
            if shape != weights.shape:
                got = "×".join(map(str, shape)) or "a scalar"
                raise Finished(
                    {
                        "type": "WrongShape",
                        "message": f"after __init__ your {name} has shape {got}, but the lab's "
                        f"{name} for these sizes is {expected}",
                    }
                )
            try:
                setattr(obj, name, weights.copy())
            except AttributeError:  # a read-only property: write into the array it returns
                np.copyto(current, weights)

    def steps(self) -> None:
        module = self.import_file()
        cls = self.find_class(module)
        self.result["class_name"] = cls.__name__
        self.status(f"class {cls.__name__}")
        obj = self.build(cls)
        self.result["notes"]["scalars"] = scalars(obj)
        if not hasattr(obj, "lr"):
            self.result["notes"]["lr_reads"] = reads_of(self.path, "lr")
        self.set_weights(obj)
        for number, (x, label) in enumerate(self.request["batches"], start=1):
            seen: dict[str, Any] = {}
            self.result["steps"].append(seen)
            recorder = LocalsRecorder(type(obj))
            try:
                with recorder:
                    self.one_step(obj, number, x, label, seen, recorder)
            finally:
                # A method that raised still returned (with its exception): keep its locals,
                # they show how far the learner's values were right.
                for method, key in (
                    ("forwardPass", "locals_forward"),
                    ("computeMSELoss", "locals_loss"),
                    ("Backpropagation", "locals_backward"),
                ):
                    if key not in seen and method in recorder.seen:
                        seen[key] = recorder.seen[method]
        self.status("done")

    def one_step(
        self,
        obj: Any,
        number: int,
        x: np.ndarray,
        label: np.ndarray,
        seen: dict[str, Any],
        recorder: LocalsRecorder,
    ) -> None:
        """The lab's loop, once: pred = forwardPass(x); computeMSELoss(pred, label);
        Backpropagation(). What is seen is written into ``seen`` as it is seen."""
        self.status(f"step {number} forwardPass")
        pred = self.learner(obj.forwardPass, x.copy())
        seen["pred"] = as_array(np.asarray(pred)) if _numeric(pred) else None
        seen["pred_type"] = type(pred).__name__
        seen["locals_forward"] = recorder.seen.pop("forwardPass", {})
        seen["attributes_forward"] = attributes(obj)
        self.status(f"step {number} computeMSELoss")
        loss = self.learner(obj.computeMSELoss, pred, label.copy())
        seen["loss"] = as_array(np.asarray(loss)) if _numeric(loss) else None
        seen["loss_type"] = type(loss).__name__
        seen["locals_loss"] = recorder.seen.pop("computeMSELoss", {})
        seen["attributes_loss"] = attributes(obj)
        seen["weights_before"] = {n: _weights(getattr(obj, n, None)) for n in WEIGHTS}
        self.status(f"step {number} Backpropagation")
        self.learner(obj.Backpropagation)
        seen["locals_backward"] = recorder.seen.pop("Backpropagation", {})
        seen["attributes_backward"] = attributes(obj)
        seen["weights_after"] = {n: _weights(getattr(obj, n, None)) for n in WEIGHTS}


def _has_loop(cls: type) -> bool:
    return all(callable(getattr(cls, m, None)) for m in LOOP_METHODS)


def _numeric(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "fiub"
    except Exception:  # noqa: BLE001 - an object numpy cannot even look at is not numeric
        return False


def _weights(value: Any) -> np.ndarray | None:
    return as_array(np.asarray(value)) if _numeric(value) else None


def end_with_parent(lifeline: int, folder: str) -> None:
    """Leave when the checker goes (killed, or its terminal gone): its end of the lifeline
    pipe closes and the read returns. Without this an infinite loop would outlive it. The
    checker's temporary folder goes too: nobody else is left to remove it."""

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(lifeline, 1):
                pass
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str]) -> int:
    request_path, result_path, status_fd = argv[0], argv[1], int(argv[2])
    end_with_parent(int(argv[3]), os.path.dirname(os.path.abspath(request_path)))
    with open(request_path, "rb") as handle:
        request = pickle.load(handle)
    # The learner's folder first on the path, as when they run their file themselves.
    sys.path[0] = os.path.dirname(os.path.realpath(request["file"]))
    sys.argv = [request["file"]]
    # Where the code is when the parent's time limit runs out: it sends SIGUSR1 first.
    trace = open(request["trace"], "w")  # noqa: SIM115 - open until the process ends
    faulthandler.register(signal.SIGUSR1, file=trace, all_threads=False)
    child = Child(request, status_fd)
    child.status("started")
    result = child.run()
    sys.setprofile(None)
    with open(result_path, "wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    # Flush and close the learner's output, then leave without running their atexit hooks
    # or finalizers (which could still hang or print).
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
