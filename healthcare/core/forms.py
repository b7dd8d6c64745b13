"""What the apps' HTML forms share."""


def add_domain_error(form, error):
    """Show a service's DomainError on `form`: each per-field message on its field (on the
    form as a whole if it has no such field), or else the error's message on the form."""
    for name, message in (error.fields or {None: error.message}).items():
        form.add_error(name if name in form.fields else None, message)
