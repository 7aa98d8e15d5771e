"""The tracked link of the offer at a position of a RecommendationList, for pages:

{% load recommendation_links %}
<a href="{% recommendation_click_url recommendations forloop.counter %}">
"""

from django import template

from experiments.clicks import recommendation_click_url as click_url_build

register = template.Library()


@register.simple_tag
def recommendation_click_url(recommendation_list, position: int) -> str:
    return click_url_build(recommendation_list=recommendation_list, position=position)
