from django.utils.functional import LazyObject, empty


def member(request) -> dict:
    """`user` as the member itself rather than the request's lazy stand-in that
    django.contrib.auth's processor (before this one, which keeps its `perms`) gives: a thread
    page reads it some eighty times (is_authenticated, pk, ignored_ids in every post's tools),
    and each read through the stand-in cost ~5 µs more. The middleware has already loaded it
    (MemberTimeZoneMiddleware asks who it is)."""
    user = getattr(request, "user", None)
    if not isinstance(user, LazyObject):
        return {}  # no user (a page rendered before the middleware ran), or already plain
    if user._wrapped is empty:
        user._setup()
    return {"user": user._wrapped}
