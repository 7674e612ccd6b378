from django.core.management import call_command
from django.test import Client
from rest_framework import status
from rest_framework.test import APITestCase, APITransactionTestCase

from grades_svc import health


class HealthzTests(APITestCase):
    def test_healthz_answers_without_the_database(self) -> None:
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_probes_only_answer_get_and_head(self) -> None:
        self.assertEqual(self.client.head("/readyz").status_code, status.HTTP_200_OK)
        self.assertEqual(self.client.post("/healthz").status_code, status.HTTP_405_METHOD_NOT_ALLOWED)

    def test_other_methods_are_a_json_405_even_with_csrf_checks_on(self) -> None:
        # A real client gets CSRF checks (the test client skips them unless told): 405, not a 403 page.
        client = Client(enforce_csrf_checks=True)
        for path in ("/healthz", "/readyz", "/grades/openapi.json", "/openapi.json"):
            for method in ("POST", "PUT", "DELETE", "QUERY"):
                response = client.generic(method, path)
                self.assertEqual(response.status_code, status.HTTP_405_METHOD_NOT_ALLOWED, (method, path))
                self.assertEqual(response["Allow"], "GET, HEAD")
                self.assertEqual(response.json(), {"detail": f'Method "{method}" not allowed.'})


class ReadyzTests(APITransactionTestCase):
    def setUp(self) -> None:
        health._schema_current = False

    def tearDown(self) -> None:
        call_command("migrate", "grades_svc", verbosity=0)
        health._schema_current = False

    def test_ready_when_migrated(self) -> None:
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_not_ready_with_pending_migrations(self) -> None:
        call_command("migrate", "grades_svc", "zero", verbosity=0)
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(response.json()["pending_migrations"], ["grades_svc.0001_initial"])

    def test_not_ready_when_the_table_goes_away_after_a_good_probe(self) -> None:
        self.assertEqual(self.client.get("/readyz").status_code, status.HTTP_200_OK)
        call_command("migrate", "grades_svc", "zero", verbosity=0)
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertIn("database", response.json())
        self.assertEqual(self.client.get("/healthz").status_code, status.HTTP_200_OK)
