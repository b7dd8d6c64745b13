from django import template

register = template.Library()


@register.filter
def percent(ratio):
    """A ratio as the reports show it: "12.5%", or "–" where there is nothing to divide."""
    return "–" if ratio is None else f"{ratio * 100:.1f}%"
