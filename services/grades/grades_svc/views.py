from rest_framework import viewsets

from .models import Grade
from .serializers import GradeSerializer


class GradeViewSet(viewsets.ModelViewSet):
    """`/grades` and `/grades/<grade_id>`: list, create, retrieve, update, partial update, delete."""

    queryset = Grade.objects.all()
    serializer_class = GradeSerializer
    lookup_field = "grade_id"
    # Ids are path segments: letters, digits and -_. only, so no id can be confused with a path.
    lookup_value_regex = r"[A-Za-z0-9._-]+"
