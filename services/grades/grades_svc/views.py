from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .models import GRADE_ID_PATTERN, Grade
from .serializers import GradeSerializer


@contextmanager
def _duplicate_id_is_a_field_error() -> Iterator[None]:
    """The serializer's uniqueness check and the insert are two steps; a concurrent request with the
    same grade_id can slip in between, and the database's unique index then has the last word."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise serializers.ValidationError({"grade_id": ["grade with this grade id already exists."]}) from None


class GradeViewSet(viewsets.ModelViewSet):
    """`/grades` and `/grades/<grade_id>`: list, create, retrieve, update, partial update, delete."""

    queryset = Grade.objects.all()
    serializer_class = GradeSerializer
    lookup_field = "grade_id"
    # Ids are path segments: letters, digits and -_. only, so no id can be confused with a path.
    lookup_value_regex = GRADE_ID_PATTERN

    def list(self, request: Request) -> Response:
        # The hot path: plain text columns need no serializer, so read the serializer's fields as
        # dicts straight from the database (the same JSON, several times cheaper than instances).
        rows = self.get_queryset().values(*self.serializer_class.Meta.fields)
        return self.get_paginated_response(self.paginate_queryset(rows))

    def perform_create(self, serializer: GradeSerializer) -> None:
        with _duplicate_id_is_a_field_error():
            serializer.save()

    def perform_update(self, serializer: GradeSerializer) -> None:
        with _duplicate_id_is_a_field_error():
            serializer.save()
