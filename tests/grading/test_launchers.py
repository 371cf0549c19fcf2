"""grader.grading.launchers: which launcher starts a sandbox, and how its exit is read."""

import signal

import pytest

from grader.grading import launchers
from grader.grading.launchers import Limits


def test_an_isolated_sandbox_never_falls_back_to_less_isolation():
    tried = launchers.launchers(Limits(isolated=True))
    assert [type(t) for t in tried] == [launchers.Bubblewrap]


def test_an_unisolated_sandbox_forks_the_zygote_first_then_starts_afresh():
    assert [type(t) for t in launchers.launchers(Limits())] == [launchers.ZygoteFork, launchers.Plain]


class Refuses:
    def start(self, home, limits):
        raise OSError("no zygote")


class Starts:
    def start(self, home, limits):
        return ("process", home, limits)


def test_start_takes_the_first_launcher_that_starts_and_reports_the_last_failure():
    limits = Limits()
    process, used = launchers.start([Refuses(), Starts()], "/home", limits)
    assert process == ("process", "/home", limits) and isinstance(used, Starts)
    with pytest.raises(OSError, match="no zygote"):
        launchers.start([Refuses(), Refuses()], "/home", limits)


def test_bubblewraps_exit_code_is_read_as_the_signal_that_ended_the_child():
    assert launchers.Bubblewrap.exit_code(128 + signal.SIGKILL) == -signal.SIGKILL
    assert launchers.Bubblewrap.exit_code(1) == 1 and launchers.Bubblewrap.exit_code(None) is None
    assert launchers.Plain.exit_code(-signal.SIGKILL) == -signal.SIGKILL


def test_the_limits_are_hard_and_follow_the_notebooks_budget():
    limits = Limits(notebook_seconds=40, memory_bytes=2**30, file_bytes=2**20, processes=8)
    found = launchers.rlimits(limits)
    assert all(soft == hard for soft, hard in found.values())
    assert found["RLIMIT_CPU"][0] == 45 and found["RLIMIT_AS"][0] == 2**30 and found["RLIMIT_FSIZE"][0] == 2**20
    assert found["RLIMIT_CORE"] == (0, 0)
