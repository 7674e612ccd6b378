from unittest import mock

from rest_framework import status
from rest_framework.test import APITestCase
from rest_framework.validators import UniqueValidator

from grades_svc.models import Grade
from grades_svc.serializers import GradeSerializer

NORTH = {"grade_id": "G1", "building": "North", "teacher": "Mr. Smith"}


class GradeCrudTests(APITestCase):
    def test_create_returns_the_grade(self) -> None:
        response = self.client.post("/grades", NORTH, format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED)
        self.assertEqual(response.json(), NORTH)
        self.assertEqual(Grade.objects.get().teacher, "Mr. Smith")

    def test_create_accepts_a_form_body(self) -> None:
        response = self.client.post("/grades", NORTH)  # multipart, as a browser form may send
        self.assertEqual(response.status_code, status.HTTP_201_CREATED)
        response = self.client.post(
            "/grades",
            "grade_id=G2&building=South&teacher=Ms.+Jones",
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, status.HTTP_201_CREATED)
        self.assertEqual(response.json()["teacher"], "Ms. Jones")

    def test_list_is_a_bare_array(self) -> None:
        Grade.objects.create(**NORTH)
        response = self.client.get("/grades")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), [NORTH])
        self.assertEqual(response["Content-Type"], "application/json")

    def test_list_rows_are_what_the_serializer_makes(self) -> None:
        grades = [Grade.objects.create(**NORTH), Grade.objects.create(grade_id="G2", building="", teacher="Ms. ü")]
        self.assertEqual(self.client.get("/grades").json(), GradeSerializer(grades, many=True).data)

    def test_retrieve_with_and_without_trailing_slash(self) -> None:
        Grade.objects.create(**NORTH)
        for url in ("/grades/G1", "/grades/G1/"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, status.HTTP_200_OK, url)
            self.assertEqual(response.json(), NORTH)
        self.assertEqual(self.client.get("/grades/").status_code, status.HTTP_200_OK)

    def test_put_replaces_and_patch_changes_the_fields_given(self) -> None:
        Grade.objects.create(**NORTH)
        replaced = {"grade_id": "G1", "building": "East", "teacher": "Dr. Who"}
        response = self.client.put("/grades/G1", replaced, format="json")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), replaced)
        response = self.client.patch("/grades/G1", {"building": "West"}, format="json")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), {**replaced, "building": "West"})

    def test_put_needs_every_field(self) -> None:
        Grade.objects.create(**NORTH)
        response = self.client.put("/grades/G1", {"building": "East"}, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(set(response.json()), {"grade_id", "teacher"})

    def test_delete(self) -> None:
        Grade.objects.create(**NORTH)
        response = self.client.delete("/grades/G1")
        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT)
        self.assertFalse(Grade.objects.exists())

    def test_ids_may_hold_dots_dashes_and_underscores(self) -> None:
        grade = {**NORTH, "grade_id": "G-1_a.b"}
        self.assertEqual(self.client.post("/grades", grade, format="json").status_code, status.HTTP_201_CREATED)
        self.assertEqual(self.client.get("/grades/G-1_a.b").json(), grade)


class GradeErrorTests(APITestCase):
    def test_missing_and_blank_fields_are_named(self) -> None:
        response = self.client.post("/grades", {"grade_id": "", "building": "x"}, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(set(response.json()), {"grade_id", "teacher"})

    def test_too_long_fields_are_named(self) -> None:
        response = self.client.post("/grades", {**NORTH, "grade_id": "G" * 21, "teacher": "t" * 201}, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(set(response.json()), {"grade_id", "teacher"})

    def test_duplicate_grade_id(self) -> None:
        Grade.objects.create(**NORTH)
        response = self.client.post("/grades", NORTH, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("grade_id", response.json())
        self.assertIsInstance(response.json()["grade_id"], list)
        self.assertEqual(Grade.objects.count(), 1)

    def test_a_duplicate_that_slips_past_the_check_is_still_a_400(self) -> None:
        Grade.objects.create(**NORTH)
        Grade.objects.create(**{**NORTH, "grade_id": "G2"})
        # As when a concurrent request inserts the same id between the check and the insert.
        with mock.patch.object(UniqueValidator, "__call__", return_value=None):
            created = self.client.post("/grades", NORTH, format="json")
            renamed = self.client.put("/grades/G2", NORTH, format="json")
        for response in (created, renamed):
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
            self.assertEqual(list(response.json()), ["grade_id"])
        self.assertEqual(sorted(Grade.objects.values_list("grade_id", flat=True)), ["G1", "G2"])

    def test_unknown_id_is_a_json_404(self) -> None:
        for method in ("get", "put", "patch", "delete"):
            response = getattr(self.client, method)("/grades/NOPE")
            self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND, method)
            self.assertIn("detail", response.json())

    def test_unknown_path_is_a_json_404(self) -> None:
        for url in ("/nope", "/grades/a/b", "/grades/bad%20id"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND, url)
            self.assertEqual(response.json(), {"detail": "Not found."})

    def test_malformed_json_is_a_400(self) -> None:
        response = self.client.generic("POST", "/grades", b'{"grade_id": ', content_type="application/json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("detail", response.json())

    def test_a_json_array_is_a_400(self) -> None:
        response = self.client.post("/grades", [NORTH], format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)

    def test_bodies_over_64_kib_are_a_json_413(self) -> None:
        big = {**NORTH, "teacher": "x" * (64 * 1024)}
        for kwargs in ({"format": "json"}, {}):
            response = self.client.post("/grades", big, **kwargs)
            self.assertEqual(response.status_code, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
            self.assertIn("detail", response.json())
        response = self.client.generic(
            "POST", "/grades", "teacher=" + "x" * (64 * 1024), content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        self.assertFalse(Grade.objects.exists())

    def test_unknown_host_is_a_json_400(self) -> None:
        response = self.client.get("/grades", headers={"host": "evil.example"})
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(response.json(), {"detail": "Bad request."})


class GradeTextTests(APITestCase):
    """Every grade that can be made can be reached by its URL, and no field holds control characters."""

    def test_ids_outside_the_url_pattern_are_a_400(self) -> None:
        for grade_id in ("G 1", "G/1", "G%1", "G?1", "G#1", "Gé", "G\t1", "G\x01", "G\u200b1"):
            response = self.client.post("/grades", {**NORTH, "grade_id": grade_id}, format="json")
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, repr(grade_id))
            self.assertEqual(list(response.json()), ["grade_id"], repr(grade_id))
        self.assertFalse(Grade.objects.exists())

    def test_a_grade_cannot_be_renamed_to_an_unreachable_id(self) -> None:
        Grade.objects.create(**NORTH)
        for method in ("put", "patch"):
            response = getattr(self.client, method)("/grades/G1", {**NORTH, "grade_id": "G 1"}, format="json")
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, method)
            self.assertEqual(list(response.json()), ["grade_id"], method)
        self.assertEqual(Grade.objects.get().grade_id, "G1")

    def test_a_form_body_is_checked_the_same_way(self) -> None:
        response = self.client.post(
            "/grades", "grade_id=G+1&building=North&teacher=Mr.+Smith", content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(list(response.json()), ["grade_id"])

    def test_control_characters_in_text_fields_are_a_400(self) -> None:
        Grade.objects.create(**NORTH)
        for text in ("a\x01b", "\x1b[31mred", "two\nlines", "a\x7fb", "a\x85b", "a\x00b"):
            for field in ("building", "teacher"):
                created = self.client.post("/grades", {**NORTH, "grade_id": "G2", field: text}, format="json")
                changed = self.client.patch("/grades/G1", {field: text}, format="json")
                for response in (created, changed):
                    self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, (field, text))
                    self.assertEqual(list(response.json()), [field], (field, text))
                    self.assertEqual(len(response.json()[field]), 1, (field, text))  # one cause, one message
        self.assertEqual(list(Grade.objects.values()), [{"id": 1, **NORTH}])

    def test_lone_surrogates_are_a_400(self) -> None:
        body = '{"grade_id": "G2", "building": "North\\ud800", "teacher": "\\udfffMr. Smith"}'
        response = self.client.generic("POST", "/grades", body, content_type="application/json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(set(response.json()), {"building", "teacher"})

    def test_control_characters_at_the_ends_are_a_400_too_not_trimmed_away(self) -> None:
        for text in ("North\n", "\tNorth", "North\x1f", "\x85North"):
            response = self.client.post("/grades", {**NORTH, "building": text}, format="json")
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, repr(text))
            self.assertEqual(list(response.json()), ["building"], repr(text))

    def test_numbers_and_other_non_strings_are_a_400(self) -> None:
        for value in (0, 1.5, True, None, [], {}):
            for field in ("grade_id", "building", "teacher"):
                response = self.client.post("/grades", {**NORTH, field: value}, format="json")
                self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, (field, value))
                self.assertEqual(list(response.json()), [field], (field, value))
        self.assertFalse(Grade.objects.exists())

    def test_an_id_is_exact_spaces_around_it_are_a_400(self) -> None:
        response = self.client.post("/grades", {**NORTH, "grade_id": " G1 "}, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(list(response.json()), ["grade_id"])

    def test_printable_unicode_is_kept(self) -> None:
        grade = {"grade_id": "G.2_b-3", "building": "Nordflügel  Ost", "teacher": "Zoë O'Brien 李"}
        self.assertEqual(self.client.post("/grades", grade, format="json").json(), grade)
        self.assertEqual(self.client.get("/grades/G.2_b-3").json(), grade)

    def test_json_nested_too_deep_to_parse_is_a_400(self) -> None:
        response = self.client.generic("POST", "/grades", "[" * 50_000, content_type="application/json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("detail", response.json())
