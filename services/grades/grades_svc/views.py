from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .models import Grade
from .serializers import GradeSerializer


class GradeViewSet(viewsets.ModelViewSet):
    """`/grades` and `/grades/<grade_id>`: list, create, retrieve, update, partial update, delete."""

    queryset = Grade.objects.all()
    serializer_class = GradeSerializer
    lookup_field = "grade_id"
    # Ids are path segments: letters, digits and -_. only, so no id can be confused with a path.
    lookup_value_regex = r"[A-Za-z0-9._-]+"

    def list(self, request: Request) -> Response:
        # The hot path: plain text columns need no serializer, so read the serializer's fields as
        # dicts straight from the database (the same JSON, several times cheaper than instances).
        rows = self.get_queryset().values(*self.serializer_class.Meta.fields)
        return self.get_paginated_response(self.paginate_queryset(rows))
