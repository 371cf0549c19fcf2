"""grader.cli: the commands, their exit codes and their one-line errors. What each command does
is tested with its module; here, what the command line adds: parsing, the learners' reduced set
of commands, and bad input met with a sentence and an exit code, not a traceback."""

import pytest

from grader import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_instructors_copy_has_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    for command in ("check", "release", "bundle", "autograde", "export", "budget", "mutants"):
        assert command in listed


def test_a_learners_copy_has_only_the_check(capsys, monkeypatch):
    monkeypatch.setattr(cli, "_instructor", lambda: False)
    with pytest.raises(SystemExit) as done:
        cli.main(["autograde", "submissions", "--out", "results"])
    assert done.value.code == 2
    assert "invalid choice: 'autograde'" in capsys.readouterr().err


def test_check_names_a_missing_or_empty_notebook_and_goes_on(capsys, tmp_path):
    empty = tmp_path / "01_chain_rule.ipynb"
    empty.write_text("")
    code, out, err = run(capsys, "check", str(tmp_path / "nowhere.ipynb"), str(empty))
    assert code == 2 and out == ""
    assert "nowhere.ipynb: no such file" in err and "the file is empty" in err


def test_export_without_a_gradebook_says_so(capsys, tmp_path):
    code, out, err = run(capsys, "export", str(tmp_path), "--format", "moodle", "--out", str(tmp_path / "m.csv"))
    assert code == 2 and "no gradebook at" in err and "Traceback" not in err
    assert not (tmp_path / "m.csv").exists()


def test_export_refuses_a_format_it_does_not_write(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        cli.main(["export", str(tmp_path), "--format", "blackboard", "--out", str(tmp_path / "b.csv")])
    assert done.value.code == 2 and "invalid choice: 'blackboard'" in capsys.readouterr().err


def test_autograde_of_a_missing_folder_says_so_and_writes_nothing(capsys, tmp_path):
    code, _, err = run(capsys, "autograde", str(tmp_path / "missing"), "--out", str(tmp_path / "results"))
    assert code == 2 and "missing" in err and "Traceback" not in err
    assert not (tmp_path / "results").exists()
