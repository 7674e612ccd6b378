"""The chapter's closing questions, answered with this comparison's numbers where they apply."""

from __future__ import annotations

from deploylab.compare.figures import median, verdict
from deploylab.compare.findings import _name, fault_sentence
from deploylab.compare.records import ModelColumn

Models = dict[str, ModelColumn]


def _failed_groups(model: ModelColumn, scenario: str) -> list[str] | None:
    entry = model.faults.get(scenario)
    if entry is None:
        return None
    return [g for g, slot in entry.groups.items() if verdict(slot.verdict) == "failed"]


def without_containers(models: Models) -> str:
    ran = [_name(k) for k in ("a", "b", "c") if k in models and models[k].status == "measured"]
    if not ran:
        return "Not answered by these runs: no model without containers was measured."
    text = f"Yes: {', '.join(ran)} served the same routes without a container."
    b, d = models.get("b"), models.get("d")
    if b and d:
        cold_b, cold_d = median(b.startup.cold_s), median(d.startup.cold_s)
        mem_b, mem_d = median(b.idle.app_mib), median(d.idle.app_mib)
        over_d = median(d.idle.overhead_mib)
        if cold_b is not None and cold_d is not None:
            text += f" B (a process per service) was ready in {cold_b:.1f} s against D's {cold_d:.1f} s"
        if mem_b is not None and mem_d is not None:
            text += f"; its apps took {mem_b:.0f} MiB against {mem_d:.0f} MiB in containers"
            text += f" plus {over_d:.0f} MiB of per-container overhead" if over_d else ""
        text += "."
    if b and "crash-grades" in b.faults:
        text += " Separate processes already isolate faults: " + fault_sentence("b", b.faults["crash-grades"])
    return text


def share_database(models: Models) -> str:
    a, b = models.get("a"), models.get("b")
    text = ("Not measured directly: every model here gives each service its own SQLite file, as the chapter advises. "
            "The closest measurement is sharing one process, which couples services the same way a shared database does")
    hit_a = _failed_groups(a, "crash-grades") if a else None
    hit_b = _failed_groups(b, "crash-grades") if b else None
    if hit_a is not None:
        text += f": in A, killing Grades failed {', '.join(hit_a) or 'no group'}"
        if hit_b is not None:
            text += f"; in B, where nothing is shared, it failed {', '.join(hit_b) or 'no group'}"
    return text + "."


def compose(models: Models) -> str:
    d = models.get("d") or models.get("d-swarm")
    if d is None or d.status != "measured":
        reason = f" ({d.reason})" if d else ""
        return f"Not answered by these runs: model D was not measured{reason}."
    parts = ["Compose turns one file into the whole deployment: images, a network with names, health checks, "
             "restart policies and the one published port"]
    cold = median(d.startup.cold_s)
    if cold is not None:
        parts.append(f"here it brought D up in {cold:.1f} s")
    for scenario in ("crash-grades", "redeploy-grades"):
        if scenario in d.faults:
            parts.append(fault_sentence(d.key, d.faults[scenario]).rstrip("."))
    return "; ".join(parts) + "."


def rest_only(models: Models) -> str:
    text = ("No — queues, RPC and shared storage are others; this lab uses only REST over HTTP, so its numbers show "
            "what a synchronous REST join costs")
    joins = []
    for name, model in models.items():
        web, api = median(model.latency.groups["web"].p95), median(model.latency.groups["students"].p95)
        if web is not None and api is not None:
            joins.append(f"{_name(name)}: web page p95 {web:.0f} ms vs Students API {api:.0f} ms")
    if joins:
        text += " (the page waits for two API calls): " + "; ".join(joins)
    slow = [n for n, m in models.items() if "slow-grades" in m.faults
            and verdict(m.faults["slow-grades"].groups["web"].verdict)]
    if slow:
        text += f". A slow Grades made the web page worse in {', '.join(_name(n) for n in slow)}"
    return text + "."


def answers(models: Models) -> list[tuple[str, str]]:
    return [
        ("Can microservices be deployed without containers?", without_containers(models)),
        ("Should two services share one database?", share_database(models)),
        ("What does Compose do for deployment?", compose(models)),
        ("Is REST the only way services exchange data?", rest_only(models)),
    ]
