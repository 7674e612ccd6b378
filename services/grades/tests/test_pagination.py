from rest_framework import status
from rest_framework.test import APITestCase

from grades_svc.models import Grade


class PaginationTests(APITestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        Grade.objects.bulk_create(
            Grade(grade_id=f"G{n}", building="North", teacher=f"Teacher {n}") for n in range(1, 8)
        )

    def test_defaults_return_everything_without_a_next_link(self) -> None:
        response = self.client.get("/grades")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(len(response.json()), 7)
        self.assertEqual(response["X-Total-Count"], "7")
        self.assertFalse(response.has_header("Link"))

    def test_a_page_in_creation_order_with_a_next_link(self) -> None:
        response = self.client.get("/grades?limit=3&offset=2")
        self.assertEqual([g["grade_id"] for g in response.json()], ["G3", "G4", "G5"])
        self.assertEqual(response["X-Total-Count"], "7")
        self.assertEqual(response["Link"], '<http://testserver/grades?limit=3&offset=5>; rel="next"')

    def test_following_next_reaches_the_last_page(self) -> None:
        seen, url = [], "/grades?limit=3"
        while url:
            response = self.client.get(url)
            seen += [g["grade_id"] for g in response.json()]
            link = response.headers.get("Link")
            url = link[link.index("<") + 1 : link.index(">")].removeprefix("http://testserver") if link else ""
        self.assertEqual(seen, [f"G{n}" for n in range(1, 8)])

    def test_an_offset_past_the_end_is_an_empty_page(self) -> None:
        response = self.client.get("/grades?offset=100")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), [])
        self.assertEqual(response["X-Total-Count"], "7")

    def test_limits_at_the_bounds_are_accepted(self) -> None:
        for query in ("limit=1", "limit=500", "offset=0", "offset=1000000000", "limit=007"):
            self.assertEqual(self.client.get(f"/grades?{query}").status_code, status.HTTP_200_OK, query)

    def test_an_empty_value_means_the_default(self) -> None:
        for query in ("limit=", "offset=", "limit=&offset="):
            response = self.client.get(f"/grades?{query}")
            self.assertEqual(response.status_code, status.HTTP_200_OK, query)
            self.assertEqual(len(response.json()), 7, query)

    def test_bad_values_are_a_400_naming_the_parameter(self) -> None:
        cases = {
            "limit=0": "limit",
            "limit=501": "limit",
            "limit=abc": "limit",
            "limit=%2B5": "limit",  # int() takes each of these five
            "limit=1_0": "limit",
            "limit=%205": "limit",
            "limit=%D9%A3": "limit",  # an Arabic-Indic three
            "limit=5%0A": "limit",
            "offset=%2B1": "offset",
            "offset=" + "9" * 5000: "offset",
            "offset=-1": "offset",
            "offset=1.5": "offset",
            "offset=99999999999999999999999": "offset",
        }
        for query, name in cases.items():
            response = self.client.get(f"/grades?{query}")
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, query)
            self.assertEqual(list(response.json()), [name], query)
