"""`{% estimate %}` and `{% difference %}`: the experiment report's figures as text."""

from django import template

from experiments.formatting import difference_text, estimate_text

register = template.Library()


@register.simple_tag
def estimate(value, unit: str) -> str:
    return estimate_text(value, unit)


@register.simple_tag
def difference(value, unit: str) -> str:
    return difference_text(value, unit)
