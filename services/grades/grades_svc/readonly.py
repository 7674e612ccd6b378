"""GET and HEAD only, for the views outside DRF (the probes and the OpenAPI document).

Any other method is a JSON 405 with `Allow`, as DRF answers. The views are CSRF-exempt: they change
nothing, and otherwise Django's CSRF middleware answers an unsafe method with a 403 HTML page before
the view can say 405 (the test client skips CSRF checks unless told, so only a real client sees it).
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

SAFE_METHODS = ("GET", "HEAD")

View = Callable[[HttpRequest], HttpResponse]


def read_only(view: View) -> View:
    @wraps(view)
    def guarded(request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            return JsonResponse(
                {"detail": f'Method "{request.method}" not allowed.'},
                status=405,
                headers={"Allow": ", ".join(SAFE_METHODS)},
            )
        return view(request)

    return csrf_exempt(guarded)
