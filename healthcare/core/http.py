"""Helpers for the HTTP edge that every app shares."""


def client_ip(request):
    """The address the request came from (REMOTE_ADDR), for the security and access logs.

    None without a request (a service called from a command or a test) or an address.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def site_url(request):
    """The scheme and host this request came to ("https://clinic.example.org"), for links in
    the emails it causes: they lead back to the site the person used."""
    return f"{request.scheme}://{request.get_host()}"
