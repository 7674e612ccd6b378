"""How fast the machine is right now on the system under test's cores: a fixed piece of Python work, timed.

On a shared (virtual) machine the speed of a core drifts by tens of percent over minutes, and the guest
sees no steal time. Every throughput figure moves with it, so two runs minutes apart compare the host as
much as the models. The runner times this work right before and right after each closed-loop capacity run and
records it beside the run's figures. Nothing is rescaled by it: in the same hour it moved under 10 % while the
throughput moved 35 %, so it does not track this workload (cost per request, in the interleaved rounds, does not
need it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

UNIT = "thousand JSON round-trips/s"
# The kind of work the services do per request (serialise, parse, format, sort), in one interpreter.
WORK = """
import json, sys, time
doc = {"id": 7, "name": "Ada Lovelace", "grades": [{"course": "G1", "grade": "A", "year": 2026}] * 5}
seconds = float(sys.argv[1])
count, start = 0, time.process_time()
while time.process_time() - start < seconds:
    for _ in range(20):
        json.loads(json.dumps(doc))
        "%s-%d" % (doc["name"], count)
        sorted(doc)
    count += 20
print(count / (time.process_time() - start) / 1000)
"""


def host_speed(cpus: str | None, seconds: float = 1.0) -> float | None:
    """WORK's rate per second of its own CPU time on `cpus` (taskset's list form; None: anywhere), or None when
    it could not be measured. CPU time, not wall time: the model's own background work on those cores (D's
    health checks) takes turns with it but does not slow it down, so it is not mistaken for a slower host."""
    command = [sys.executable, "-c", WORK, str(seconds)]
    if cpus and shutil.which("taskset"):
        command = ["taskset", "-c", cpus, *command]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 20, check=True)
        return round(float(done.stdout), 2)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
