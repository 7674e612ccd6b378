"""The chapter's wire format: a bare JSON array, with the page described in headers.

`?limit=` (1..500, default 100) and `?offset=` (0..); `X-Total-Count` and `Link: <…>; rel="next"`.
Unlike DRF's LimitOffsetPagination, a bad value is a 400 with the field named, not silently replaced.
Values are parsed as Students parses them: ASCII digits only, and an empty value means the default.
"""

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

# SQLite's OFFSET is a 64-bit integer; a larger one would be a 500, not a client error.
MAX_OFFSET = 10**9


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, "")
    if not raw:  # absent or empty (?limit=): the default, as Students does
        return default
    # ASCII digits only: int() would also take "+5", " 5", "1_0" and other scripts' digits. Past 18
    # digits it is out of range anyway, and int() of thousands of digits is slow, so no int() at all.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and low <= int(raw) <= high):
        raise ValidationError({name: [f"Must be an integer between {low} and {high}."]})
    return int(raw)


class HeaderLimitOffsetPagination(BasePagination):
    default_limit = 100
    max_limit = 500

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: object = None) -> list:
        self.request = request
        self.limit = _int_param(request, "limit", self.default_limit, 1, self.max_limit)
        self.offset = _int_param(request, "offset", 0, 0, MAX_OFFSET)
        page = list(queryset[self.offset : self.offset + self.limit])
        # A short page that starts inside the list ends it, so its length gives the total: one query
        # instead of two for any list that fits a page.
        short = len(page) < self.limit and (page or self.offset == 0)
        self.count = self.offset + len(page) if short else queryset.count()
        return page

    def get_paginated_response(self, data: list) -> Response:
        headers = {"X-Total-Count": str(self.count)}
        if self.offset + self.limit < self.count:
            url = replace_query_param(self.request.build_absolute_uri(), "limit", self.limit)
            url = replace_query_param(url, "offset", self.offset + self.limit)
            headers["Link"] = f'<{url}>; rel="next"'
        return Response(data, headers=headers)
