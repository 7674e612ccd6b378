import re
import unicodedata

from rest_framework import serializers

from .models import GRADE_ID_PATTERN, RESERVED_GRADE_IDS, Grade

_GRADE_ID = re.compile(GRADE_ID_PATTERN)


def _no_control_characters(value: str) -> str:
    # DRF's CharField already refuses NUL and lone surrogates; the other C0/C1 controls (escapes,
    # newlines, DEL) have no place in a one-line name and would reach the Web page and the logs.
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise serializers.ValidationError("Control characters are not allowed.")
    return value


class GradeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grade
        fields = ["grade_id", "building", "teacher"]

    # validate_<field> runs after the field's own checks (length, uniqueness, NUL), so one cause gives one message.
    def validate_grade_id(self, value: str) -> str:
        if not _GRADE_ID.fullmatch(value):
            raise serializers.ValidationError(
                "Only letters, digits, '.', '_' and '-' are allowed: the id is a URL segment."
            )
        if value in RESERVED_GRADE_IDS:
            raise serializers.ValidationError(f"{value!r} is reserved: its URL is taken.")
        return value

    def validate_building(self, value: str) -> str:
        return _no_control_characters(value)

    def validate_teacher(self, value: str) -> str:
        return _no_control_characters(value)
