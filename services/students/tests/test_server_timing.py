import re

from students import create_app

ENTRY = re.compile(r"students;dur=(\d+\.\d)")


def students_ms(response) -> float:
    match = ENTRY.fullmatch(response.headers.get("Server-Timing", ""))
    assert match, response.headers
    return float(match.group(1))


def test_every_answer_carries_the_services_own_entry(client, make_student):
    student = make_student()
    for response in (
        client.get("/students"),
        client.get(f"/students/{student['id']}"),
        client.get("/students/999999"),
        client.post("/students", json={"name": ""}),
        client.get("/students", headers={"Host": "evil.example"}),  # refused before anything runs
        client.get("/readyz"),
    ):
        assert students_ms(response) >= 0, response.status


def test_an_injected_delay_is_in_the_entry(tmp_path):
    client = create_app({"STUDENTS_DB": str(tmp_path / "s.sqlite3"), "CHAOS_TOKEN": "t0k"}).test_client()
    armed = client.post("/__chaos__/latency", json={"ms": 60, "duration_s": 5}, headers={"X-Chaos-Token": "t0k"})
    assert armed.status_code == 202
    assert students_ms(client.get("/students")) >= 60
    assert client.post("/__chaos__/reset", headers={"X-Chaos-Token": "t0k"}).status_code == 200
