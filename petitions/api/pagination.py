from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 20 (a client may ask for up to 100 with ``page_size``); an unknown page is 404."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
