"""``serve`` is safe by default: the page saves runs into one folder only and reads no files,
a limit on sessions protects the machine, and listening beyond this machine is said aloud."""

from __future__ import annotations

import pytest

import mlp
from mlp import DatasetError
from tui import confine
from tui.app import BackpropApp
from tui.cli import main

SIZE = (120, 40)


def _refused(capsys, argv: list[str], *words: str) -> None:
    """``argv`` exits with 2 and one sentence on stderr."""
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own refusals
        code = exited.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


@pytest.fixture
def runs(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    folder.mkdir()
    monkeypatch.setenv(confine.ENV, str(folder))
    return folder


@pytest.mark.parametrize(
    "typed", ["../escape.npz", "/tmp/anywhere.npz", "sub/run.npz", ".hidden.npz", ""]
)
def test_a_served_session_saves_only_plain_names_into_the_runs_folder(runs, typed) -> None:
    with pytest.raises(ValueError, match="type a file name only"):
        confine.save_target(typed)
    assert confine.save_target("mine") == runs / "mine.npz"


def test_a_served_session_never_overwrites_a_run(runs) -> None:
    (runs / "taken.npz").write_bytes(b"someone's run")
    with pytest.raises(ValueError, match="already saved there"):
        confine.save_target("taken.npz")


def test_a_served_session_reads_no_files_as_datasets(runs, tmp_path) -> None:
    confine.check_dataset("spiral")
    with pytest.raises(DatasetError, match="built-in datasets only"):
        confine.check_dataset("/etc/passwd")


def test_outside_serve_nothing_is_confined(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(confine.ENV, raising=False)
    assert confine.save_target(str(tmp_path / "x" / "run.npz")) == tmp_path / "x" / "run.npz"
    confine.check_dataset(str(tmp_path / "points.csv"))


async def test_the_apps_save_dialog_keeps_to_the_runs_folder(runs, tmp_path) -> None:
    """The page's ctrl+s wrote to any absolute or ../ path and overwrote existing files."""
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "ctrl+s")
        app.screen.query_one("#save-path").value = "../escape.npz"
        await pilot.press("enter")
        assert "file name only" in str(app.screen.query_one("#save-error").render())
        app.screen.query_one("#save-path").value = "first"
        await pilot.press("enter")
        await pilot.pause()
        assert mlp.load(runs / "first.npz").epoch == 1
        await pilot.press("ctrl+s")
        app.screen.query_one("#save-path").value = "first"
        await pilot.press("enter")
        assert "already saved there" in str(app.screen.query_one("#save-error").render())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


async def test_the_apps_settings_refuse_a_file_dataset_when_served(runs, tmp_path) -> None:
    csv = tmp_path / "points.csv"
    csv.write_text("0,0,0\n1,1,1\n")
    app = BackpropApp()
    async with app.run_test(size=SIZE):
        with pytest.raises(DatasetError, match="built-in datasets only"):
            app.load_config(app.trainer.config.replace(dataset=str(csv)))


async def test_a_full_server_answers_with_a_short_page_and_starts_nothing() -> None:
    from aiohttp.test_utils import make_mocked_request

    from tui.commands.serving import LimitedServer

    server = LimitedServer("true", host="localhost", port=8000, title="backprop-lab")
    server.max_sessions = 2
    server.sessions = 2
    response = await server.handle_index(make_mocked_request("GET", "/"))
    assert response.status == 503 and "2 sessions, its limit" in response.text


def test_listening_beyond_this_machine_warns_who_can_reach_it(tmp_path, monkeypatch, capsys):
    from tui.commands import serving

    class FakeServer:
        def __init__(self, command, host, port, title) -> None:
            pass

        def serve(self) -> None:
            pass

    monkeypatch.setattr(serving, "LimitedServer", FakeServer)
    argv = ["serve", "--host", "0.0.0.0", "--port", "0", "--runs-folder", str(tmp_path)]
    with pytest.raises(SystemExit):  # port 0 is not a port a user can be told to open
        main(argv)
    assert "from 1 to 65535" in capsys.readouterr().err
    import socket

    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        free = str(probe.getsockname()[1])
    assert main([*argv[:3], "--port", free, *argv[5:], "--max-sessions", "3"]) == 0
    out, err = capsys.readouterr()
    assert "anyone who can reach port" in err and str(tmp_path) in err
    assert "at most 3 sessions" in out


def test_serve_refuses_a_bad_port_or_host_in_one_sentence(capsys, tmp_path) -> None:
    runs = ["--runs-folder", str(tmp_path / "runs")]
    _refused(capsys, ["serve", "--port", "70000", *runs], "from 1 to 65535")
    import socket

    with socket.socket() as taken:
        taken.bind(("localhost", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        _refused(capsys, ["serve", "--port", port, *runs], f"port {port}", "in use")
    _refused(capsys, ["serve", "--host", "no-such-host.invalid", *runs], "cannot listen on")
