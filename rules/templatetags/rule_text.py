"""Render rule text written in Markdown as sanitised HTML."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

from rules.selectors import word_diff

register = template.Library()

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"},
                      "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Turn Markdown into HTML that keeps no script, handler, style or unsafe link."""
    html = markdown_lib.markdown(text or "", extensions=["tables", "sane_lists"],
                                 output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=ALLOWED_URL_SCHEMES, link_rel="noopener noreferrer nofollow")
    return mark_safe(clean)  # noqa: S308  (sanitised by nh3 just above)


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.inclusion_tag("rules/_word_diff.html")
def word_diff_of(before: str, after: str) -> dict:
    return {"runs": word_diff(before=before or "", after=after or "")}
