from django.contrib import admin

from .models import Grade


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ["grade_id", "building", "teacher"]
    search_fields = ["grade_id", "building", "teacher"]
    ordering = ["grade_id"]
