"""Out-of-memory kills read from the kernel's log and attributed to the unit whose group holds the victim."""

from __future__ import annotations

from deploylab.platform import oom

LOG = """\
[  100.000001] some other line
[18379.177121] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/deploylab/b-0-ab12cd34/grades,task_memcg=/deploylab/b-0-ab12cd34/grades,task=waitress-serve,pid=6265,uid=0
[18379.177134] Memory cgroup out of memory: Killed process 6265 (waitress-serve) total-vm:79584kB
[18390.500000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/docker/c1/system.slice/grades.service,task_memcg=/docker/c1/system.slice/grades.service,task=python,pid=7001,uid=0
[18400.000000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/somebody/else,task_memcg=/somebody/else,task=x,pid=1,uid=0
"""


def test_each_kill_goes_to_the_unit_whose_group_holds_it() -> None:
    groups = {"grades": "/deploylab/b-0-ab12cd34/grades", "students": "/deploylab/b-0-ab12cd34/students",
              "machine": "/docker/c1"}
    found = oom.kills(LOG, groups, since=0.0, until=1e9, booted=1000.0)
    assert [(k.unit, k.t, k.pid) for k in found] == [("grades", 19379.177, 6265), ("machine", 19390.5, 7001)]


def test_a_group_is_matched_whole_and_the_longest_wins() -> None:
    groups = {"app": "/deploylab/a", "grades": "/deploylab/a/grades"}
    assert oom.owner("/deploylab/a/grades", groups) == "grades"
    assert oom.owner("/deploylab/a/grades/x", groups) == "grades"
    assert oom.owner("/deploylab/ab", groups) is None  # a prefix of the name is not the group


def test_only_kills_within_the_window_count() -> None:
    groups = {"grades": "/deploylab/b-0-ab12cd34/grades", "machine": "/docker/c1"}
    found = oom.kills(LOG, groups, since=1000.0 + 18385, until=1000.0 + 18395, booted=1000.0)
    assert [k.unit for k in found] == ["machine"]
