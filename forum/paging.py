from django.http import Http404
from django.utils.translation import gettext as _


def page_from_request(request, page_count: int) -> int:
    """The page a visitor asked for. Anything that is not a page of this list is a 404.

    `?page=abc`, `?page=0`, `?page=-1` and pages past the end all 404, consistently; so does a
    number too long to be a page.
    """
    page = requested_page(request)
    if page is None or not 1 <= page <= page_count:
        raise Http404(_("No such page."))
    return page


def requested_page(request) -> int | None:
    """The page number in ?page= (1 without it), before it is checked against the list's
    pages; None for anything that is not a number."""
    raw = request.GET.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw)


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items fill, `per_page` a page; an empty list has one page."""
    return max(1, -(-total // per_page))


def page_window(page: int, page_count: int, around: int = 2) -> list[int | None]:
    """Page numbers to link, vBulletin style: first, a window around `page`, last; None is a gap."""
    wanted = {1, page_count, *range(page - around, page + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= page_count)
    window: list[int | None] = []
    for n in shown:
        if window and n - window[-1] > 1:
            window.append(None)
        window.append(n)
    return window


def paginate(request, queryset, per_page: int) -> dict:
    """One page of `queryset` for ?page=, with what includes/pagination.html needs.

    Two queries: the count, then the page.
    """
    total = queryset.count()
    pages = page_count(total, per_page)
    page = page_from_request(request, pages)
    start = (page - 1) * per_page
    return {
        "items": list(queryset[start : start + per_page]),
        "page": page,
        "page_count": pages,
        "total": total,
        "page_window": page_window(page, pages),
    }
