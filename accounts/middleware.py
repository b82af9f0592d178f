from django.conf import settings
from django.utils import timezone, translation


class MemberTimeZoneMiddleware:
    """Shows every time in the member's own zone; visitors see the board's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = user.zone if user is not None and user.is_authenticated else None
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


class MemberLanguageMiddleware:
    """Shows the board in the member's chosen language. Visitors (and members who chose none) get
    the language picked with the footer's switch (Django's language cookie), else the board's
    LANGUAGE_CODE: never the browser's Accept-Language, so that the page cache, which keys on the
    language, holds one copy per language and not per browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def request_language(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language:
        return user.language
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE
