from django.db import models

# A grade_id is a URL segment (/grades/<grade_id>): the URL conf matches it with this pattern and the
# serializer accepts only ids that match it whole, so every grade that can be made can be reached.
GRADE_ID_PATTERN = r"[A-Za-z0-9._-]+"
# Ids that match the pattern but whose URL is taken by something else (grades/urls.py).
RESERVED_GRADE_IDS = frozenset({"openapi.json"})


class Grade(models.Model):
    """A school grade (class): the key other services use is `grade_id`, not the row id."""

    grade_id = models.CharField(max_length=20, unique=True)
    building = models.CharField(max_length=200)
    teacher = models.CharField(max_length=200)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.grade_id
