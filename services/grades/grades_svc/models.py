from django.db import models


class Grade(models.Model):
    """A school grade (class): the key other services use is `grade_id`, not the row id."""

    grade_id = models.CharField(max_length=20, unique=True)
    building = models.CharField(max_length=200)
    teacher = models.CharField(max_length=200)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.grade_id
