"""DRF's JSON parser, with a body nested too deep to parse answered as the 400 it is.

Python's json module recurses once per nesting level, so 64 KiB of "[" raises RecursionError, which
DRF does not catch (only ValueError): without this it would be a 500.
"""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
