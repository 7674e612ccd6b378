from django.core.management import call_command
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
