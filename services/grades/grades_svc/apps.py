from django.apps import AppConfig


class GradesConfig(AppConfig):
    name = "grades_svc"
    verbose_name = "Grades"
