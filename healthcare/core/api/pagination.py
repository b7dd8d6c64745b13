"""The API's pagination (settings' DEFAULT_PAGINATION_CLASS)."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (up to 100); answers count/next/previous/results."""

    page_size_query_param = "page_size"
    max_page_size = 100
