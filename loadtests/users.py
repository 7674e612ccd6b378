"""The simulated users. Weights, waits and mixes (documented here, used by the locustfile):

- `BrowsingUser` (weight 1, waits 1-3 s): loads the web page (`/`, which joins both APIs), and
  sometimes opens an edit form (`/update/[id]`), saves it, or adds and deletes a student.
  Task weights: page 10, edit form 2, save 1, add+delete 1. Its forms carry the page's CSRF token,
  read from the cookie that holds the same value (one roster load as setup when it has none yet), so
  sending a form costs the same requests as before; deleting posts to `/delete/[id]`.
- `ApiUser` (weight 3, waits 0.2-1 s): a read-mostly mix over the two APIs. Task weights:
  list students 4, one student 6, list grades 3, one grade 5, create+delete a student 1,
  update a student 1, create a grade (may exist: 201 or 400 both count as answered) 1.

Request names are grouped (`/students/[id]`, `/grades/[id]`, `/update/[id]`, `/delete/[id]`) and
tasks are tagged by endpoint group (`students`, `grades`, `web`) so `--tags grades` works.
A 200 page with `X-Degraded` is counted apart under `<name> (degraded)`, never as a failure.
"""

from __future__ import annotations

import random
import time

from locust import tag, task
from locust.contrib.fasthttp import FastHttpUser

from .groups import DEGRADED_SUFFIX, SETUP_NAME

FALLBACK_STUDENT_IDS = range(1, 201)  # the seed's 200 students on a fresh deployment (deploylab.measure.seed)
GRADE_IDS = [f"G{n}" for n in range(1, 13)]
LOAD_NAMES = ("Load", "Api Load")  # names the users give the students they create (and delete again)
HEALTH_WAIT_S = 10.0  # Online Boutique style: wait briefly for the entry to be ready, then start anyway
CSRF_COOKIE, CSRF_FIELD = "web_csrf", "csrf_token"  # Web's forms: the cookie and the hidden field, equal
_ready = False  # per process: once the entry answered, later users skip the wait
_seeded_ids: list[int] = []  # per process: the ids the seed's students really have on this deployment


class LabUser(FastHttpUser):
    abstract = True
    think_s = (1.0, 3.0)  # seconds between tasks, scaled by --think-scale

    def wait_time(self) -> float:
        scale = getattr(self.environment.parsed_options, "think_scale", 1.0) if self.environment.parsed_options else 1.0
        return scale * random.uniform(*self.think_s)
    network_timeout = 10.0
    connection_timeout = 5.0

    def on_start(self) -> None:
        global _ready
        deadline = time.monotonic() + float(getattr(self.environment.parsed_options, "health_wait", HEALTH_WAIT_S))
        while not _ready and time.monotonic() < deadline:
            with self.client.get("/healthz", name=SETUP_NAME, catch_response=True) as response:
                response.success()  # not a measurement: the wait never counts as a failure
                _ready = response.status_code == 200
            if not _ready:
                time.sleep(0.5)
        if _ready and not _seeded_ids:
            _seeded_ids.extend(self._seeded_student_ids())

    def _seeded_student_ids(self) -> list[int]:
        """Ids are assigned by the server, so a deployment that held other data first has other ids:
        asking keeps the users from measuring 404s of their own making."""
        with self.client.get("/students?limit=500", name=SETUP_NAME, catch_response=True) as response:
            response.success()  # setup, not a measurement
            try:
                return [s["id"] for s in response.json() if not str(s.get("name", "")).startswith(LOAD_NAMES)]
            except (ValueError, TypeError, KeyError):
                return []

    def page(self, path: str, name: str) -> None:
        """A web page: 200 with X-Degraded is recorded under '<name> (degraded)'."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200 and response.headers.get("X-Degraded"):
                response.request_meta["name"] = name + DEGRADED_SUFFIX
                response.success()

    def student_id(self) -> int:
        return random.choice(_seeded_ids or FALLBACK_STUDENT_IDS)


class BrowsingUser(LabUser):
    weight = 1
    think_s = (1.0, 3.0)

    @tag("web")
    @task(10)
    def home(self) -> None:
        self.page("/", "/")

    @tag("web")
    @task(2)
    def edit_form(self) -> None:
        self.page(f"/update/{self.student_id()}", "/update/[id]")

    @tag("web")
    @task(1)
    def save_form(self) -> None:
        """Saves a student's own name back with another grade, so the seed's names stay as they were."""
        student = self.student_id()
        response = self.client.get(f"/students/{student}", name="/students/[id]")
        if response.status_code != 200:
            return
        first, _, last = response.json().get("name", "").partition(" ")
        self.client.post(
            f"/update/{student}",
            data={"first_name": first, "last_name": last, "grade": random.choice(GRADE_IDS), **self.form_token()},
            name="/update/[id]", allow_redirects=False,
        )

    @tag("web")
    @task(1)
    def add_and_delete(self) -> None:
        token = self.form_token()
        data = {"first_name": LOAD_NAMES[0], "last_name": f"Test{random.randrange(10**6)}", "grade": random.choice(GRADE_IDS)}
        self.client.post("/", data={**data, **token}, name="/ (add)", allow_redirects=False)
        new_id = self._newest_student()
        if new_id is not None and new_id not in (_seeded_ids or FALLBACK_STUDENT_IDS):
            # The confirmation page's form, as a browser sends it; a GET of /delete/[id] only asks.
            with self.client.post(
                f"/delete/{new_id}", data=token, name="/delete/[id]", allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code in (302, 303, 404):  # 404: another user deleted it first
                    response.success()

    def form_token(self) -> dict[str, str]:
        """The hidden field Web's forms carry. It equals the cookie the pages set, so a user that has loaded
        a page sends it with no extra request; one that has not loads the roster once, as setup."""
        token = self._csrf_cookie()
        if token is None:
            with self.client.get("/", name=SETUP_NAME, catch_response=True) as response:
                response.success()  # setup, not a measurement
            token = self._csrf_cookie()
        return {CSRF_FIELD: token or ""}

    def _csrf_cookie(self) -> str | None:
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == CSRF_COOKIE), None)

    def _newest_student(self) -> int | None:
        response = self.client.get("/students?limit=1&offset=0", name="/students")
        total = response.headers.get("X-Total-Count") if response.status_code == 200 else None
        if not total:
            return None
        page = self.client.get(f"/students?limit=1&offset={int(total) - 1}", name="/students")
        try:
            return int(page.json()[0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            return None


class ApiUser(LabUser):
    weight = 3
    think_s = (0.2, 1.0)

    @tag("students")
    @task(4)
    def list_students(self) -> None:
        self.client.get(f"/students?limit=20&offset={random.randrange(0, 180)}", name="/students")

    @tag("students")
    @task(6)
    def one_student(self) -> None:
        self.client.get(f"/students/{self.student_id()}", name="/students/[id]")

    @tag("grades")
    @task(3)
    def list_grades(self) -> None:
        self.client.get("/grades", name="/grades")

    @tag("grades")
    @task(5)
    def one_grade(self) -> None:
        self.client.get(f"/grades/{random.choice(GRADE_IDS)}", name="/grades/[id]")

    @tag("students")
    @task(1)
    def create_and_delete_student(self) -> None:
        response = self.client.post("/students", json={"name": LOAD_NAMES[1], "grade": random.choice(GRADE_IDS)}, name="/students")
        if response.status_code == 201:
            self.client.delete(f"/students/{response.json()['id']}", name="/students/[id]")

    @tag("students")
    @task(1)
    def update_student(self) -> None:
        self.client.put(f"/students/{self.student_id()}", json={"grade": random.choice(GRADE_IDS)}, name="/students/[id]")

    @tag("grades")
    @task(1)
    def create_grade(self) -> None:
        with self.client.post(
            "/grades", json={"grade_id": random.choice(GRADE_IDS), "building": "North", "teacher": "Load Test"},
            name="/grades", catch_response=True,
        ) as response:
            if response.status_code in (201, 400):  # 400: that grade_id exists already (the seed made it)
                response.success()
