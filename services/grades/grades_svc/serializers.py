import re
import unicodedata
from typing import Any

from django.db import models
from rest_framework import serializers

from .models import GRADE_ID_PATTERN, RESERVED_GRADE_IDS, Grade

_GRADE_ID = re.compile(GRADE_ID_PATTERN)


class TextField(serializers.CharField):
    """DRF's CharField, held to what the OpenAPI document says of every text field.

    A string only: DRF's would store the JSON number 0 as "0". No control characters anywhere in what
    was sent, checked before trimming (strip() would take some off the ends unseen); DRF's own
    validators still refuse lone surrogates.
    """

    default_error_messages = {
        "not_a_string": "Must be a string.",
        "control_characters": "Control characters are not allowed.",
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        if any(unicodedata.category(char) == "Cc" for char in data):
            self.fail("control_characters")
        return super().to_internal_value(data)


class GradeSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.CharField: TextField}

    class Meta:
        model = Grade
        fields = ["grade_id", "building", "teacher"]
        # An id is exact: " G1" is not G1, and a space is outside the URL pattern anyway.
        extra_kwargs = {"grade_id": {"trim_whitespace": False}}

    # validate_<field> runs after the field's own checks (type, length, uniqueness), so one cause gives one message.
    def validate_grade_id(self, value: str) -> str:
        if not _GRADE_ID.fullmatch(value):
            raise serializers.ValidationError(
                "Only letters, digits, '.', '_' and '-' are allowed: the id is a URL segment."
            )
        if value in RESERVED_GRADE_IDS:
            raise serializers.ValidationError(f"{value!r} is reserved: its URL is taken.")
        return value
