"""The hand-written OpenAPI document stays in step with the routes, fields and limits in the code."""

import json
import re

from django.urls import get_resolver
from rest_framework import status
from rest_framework.test import APITestCase

from grades_svc.models import Grade
from grades_svc.openapi import DOCUMENT_PATH
from grades_svc.pagination import MAX_OFFSET, HeaderLimitOffsetPagination
from grades_svc.serializers import GradeSerializer
from grades_svc.views import GradeViewSet

DOCUMENT = json.loads(DOCUMENT_PATH.read_text())
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _methods(path: str) -> set[str]:
    return {key for key in DOCUMENT["paths"][path] if key in HTTP_METHODS}


class OpenApiTests(APITestCase):
    def test_it_is_served_as_json(self) -> None:
        response = self.client.get("/openapi.json")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response.json(), DOCUMENT)
        self.assertTrue(DOCUMENT["openapi"].startswith("3."))

    def test_every_route_and_method_is_documented(self) -> None:
        Grade.objects.create(grade_id="G1", building="b", teacher="t")
        for url, path in (("/grades", "/grades"), ("/grades/G1", "/grades/{grade_id}")):
            allow = self.client.options(url)["Allow"]
            self.assertEqual(_methods(path), {m.strip().lower() for m in allow.split(",")} & HTTP_METHODS, path)
        for path in ("/healthz", "/readyz"):
            self.assertTrue(get_resolver().resolve(path), path)
        self.assertEqual(set(DOCUMENT["paths"]), {"/grades", "/grades/{grade_id}", "/healthz", "/readyz"})

    def test_the_schema_matches_the_serializer(self) -> None:
        schema = DOCUMENT["components"]["schemas"]["Grade"]
        fields = GradeSerializer().fields
        self.assertEqual(list(schema["properties"]), GradeSerializer.Meta.fields)
        self.assertEqual(set(schema["required"]), {name for name, field in fields.items() if field.required})
        for name, field in fields.items():
            self.assertEqual(schema["properties"][name]["maxLength"], field.max_length, name)

    def test_the_id_pattern_and_page_bounds_match_the_code(self) -> None:
        (parameter,) = DOCUMENT["paths"]["/grades/{grade_id}"]["parameters"]
        self.assertEqual(parameter["schema"]["pattern"], f"^{GradeViewSet.lookup_value_regex}$")
        self.assertTrue(re.fullmatch(GradeViewSet.lookup_value_regex, "G-1_a.b"))
        limit = DOCUMENT["components"]["parameters"]["limit"]["schema"]
        offset = DOCUMENT["components"]["parameters"]["offset"]["schema"]
        self.assertEqual(
            (limit["default"], limit["maximum"], offset["maximum"]),
            (HeaderLimitOffsetPagination.default_limit, HeaderLimitOffsetPagination.max_limit, MAX_OFFSET),
        )
