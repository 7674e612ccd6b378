"""The hand-written OpenAPI document stays in step with the routes, fields and limits in the code."""

import json
import re

from django.urls import get_resolver
from rest_framework import status
from rest_framework.test import APITestCase

from grades_svc.models import GRADE_ID_PATTERN, RESERVED_GRADE_IDS, Grade
from grades_svc.openapi import DOCUMENT_PATH
from grades_svc.pagination import MAX_OFFSET, HeaderLimitOffsetPagination
from grades_svc.serializers import GradeSerializer
from grades_svc.views import GradeViewSet

DOCUMENT = json.loads(DOCUMENT_PATH.read_text())
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
SCHEMAS = DOCUMENT["components"]["schemas"]


def _methods(path: str) -> set[str]:
    return {key for key in DOCUMENT["paths"][path] if key in HTTP_METHODS}


class OpenApiTests(APITestCase):
    def test_it_is_served_as_json_under_the_apis_prefix(self) -> None:
        # /openapi.json stays on the service's own port; at the entry that path is Web's.
        for url in ("/grades/openapi.json", "/openapi.json"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, status.HTTP_200_OK, url)
            self.assertEqual(response.json(), DOCUMENT, url)
        self.assertTrue(DOCUMENT["openapi"].startswith("3."))

    def test_the_document_and_the_grades_do_not_shadow_each_other(self) -> None:
        Grade.objects.create(grade_id="openapi", building="b", teacher="t")
        self.assertEqual(self.client.get("/grades/openapi").json()["grade_id"], "openapi")
        self.assertEqual(self.client.get("/grades/openapi.json").json(), DOCUMENT)
        self.assertEqual(self.client.delete("/grades/openapi.json").status_code, status.HTTP_405_METHOD_NOT_ALLOWED)
        for grade_id in RESERVED_GRADE_IDS:
            response = self.client.post(
                "/grades", {"grade_id": grade_id, "building": "b", "teacher": "t"}, format="json"
            )
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, grade_id)
            self.assertEqual(list(response.json()), ["grade_id"], grade_id)
            self.assertIn(f"{grade_id} is reserved", SCHEMAS["GradeId"]["description"])

    def test_the_servers_work_through_the_entry(self) -> None:
        # Relative: the API at whatever address the document was fetched from (the entry, or the service).
        self.assertEqual([server["url"] for server in DOCUMENT["servers"]], ["/"])
        for probe in ("/healthz", "/readyz"):  # the entry's /healthz is its own; probes are the service's
            (server,) = DOCUMENT["paths"][probe]["servers"]
            self.assertEqual(server["variables"]["port"]["default"], "8002")

    def test_every_route_and_method_is_documented(self) -> None:
        Grade.objects.create(grade_id="G1", building="b", teacher="t")
        for url, path in (("/grades", "/grades"), ("/grades/G1", "/grades/{grade_id}")):
            allow = self.client.options(url)["Allow"]
            self.assertEqual(_methods(path), {m.strip().lower() for m in allow.split(",")} & HTTP_METHODS, path)
        for path in ("/healthz", "/readyz"):
            self.assertTrue(get_resolver().resolve(path), path)
        self.assertEqual(_methods("/grades/openapi.json"), {"get"})
        self.assertEqual(
            set(DOCUMENT["paths"]), {"/grades", "/grades/{grade_id}", "/grades/openapi.json", "/healthz", "/readyz"}
        )

    def test_the_schema_matches_the_serializer(self) -> None:
        schema = SCHEMAS["Grade"]
        fields = GradeSerializer().fields
        self.assertEqual(list(schema["properties"]), GradeSerializer.Meta.fields)
        self.assertEqual(set(schema["required"]), {name for name, field in fields.items() if field.required})
        for name, field in fields.items():
            ref = schema["properties"][name]["$ref"].rsplit("/", 1)[-1]
            self.assertEqual(SCHEMAS[ref]["maxLength"], field.max_length, name)

    def test_the_id_pattern_and_page_bounds_match_the_code(self) -> None:
        (parameter,) = DOCUMENT["paths"]["/grades/{grade_id}"]["parameters"]
        self.assertEqual(parameter["schema"], {"$ref": "#/components/schemas/GradeId"})
        self.assertIs(GradeViewSet.lookup_value_regex, GRADE_ID_PATTERN)  # one constant: URL conf and serializer
        self.assertEqual(SCHEMAS["GradeId"]["pattern"], f"^{GRADE_ID_PATTERN}$")
        self.assertTrue(re.fullmatch(GRADE_ID_PATTERN, "G-1_a.b"))
        limit = DOCUMENT["components"]["parameters"]["limit"]["schema"]
        offset = DOCUMENT["components"]["parameters"]["offset"]["schema"]
        self.assertEqual(
            (limit["default"], limit["maximum"], offset["maximum"]),
            (HeaderLimitOffsetPagination.default_limit, HeaderLimitOffsetPagination.max_limit, MAX_OFFSET),
        )
        for name in ("limit", "offset"):  # an empty value means the default
            self.assertIs(DOCUMENT["components"]["parameters"][name]["allowEmptyValue"], True, name)


class ErrorSchemaTests(APITestCase):
    """Every 400 body the API sends matches exactly one of the two shapes its oneOf names."""

    def test_the_two_shapes_exclude_each_other(self) -> None:
        one_of = DOCUMENT["components"]["responses"]["FieldErrors"]["content"]["application/json"]["schema"]["oneOf"]
        self.assertEqual([ref["$ref"].rsplit("/", 1)[-1] for ref in one_of], ["FieldErrors", "Error"])
        # Error is exactly {"detail": "..."}; FieldErrors' values are lists, so a string detail fails it.
        self.assertEqual((SCHEMAS["Error"]["required"], SCHEMAS["Error"]["additionalProperties"]), (["detail"], False))
        self.assertEqual(SCHEMAS["FieldErrors"]["additionalProperties"]["type"], "array")

    def test_each_error_body_matches_one_shape(self) -> None:
        Grade.objects.create(grade_id="G1", building="b", teacher="t")
        answers = [
            self.client.post("/grades", {"grade_id": "G 1", "building": "b"}, format="json"),
            self.client.post("/grades", {"grade_id": "G1", "building": "b", "teacher": "t"}, format="json"),
            self.client.post("/grades", [1], format="json"),
            self.client.generic("POST", "/grades", b"{", content_type="application/json"),
            self.client.get("/grades?limit=0"),
            self.client.get("/grades", headers={"host": "evil.example"}),
        ]
        for response in answers:
            self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
            body = response.json()
            is_error = set(body) == {"detail"} and isinstance(body["detail"], str)
            is_fields = bool(body) and all(
                isinstance(value, list) and all(isinstance(item, str) for item in value) for value in body.values()
            )
            self.assertNotEqual(is_error, is_fields, body)
