"""Helpers for the HTTP edge that every app shares."""


def client_ip(request):
    """The address the request came from (REMOTE_ADDR), for the security and access logs.

    None without a request (a service called from a command or a test) or an address.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
