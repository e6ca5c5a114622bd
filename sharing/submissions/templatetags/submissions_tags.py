from django import template

from sharing.submissions.selectors import is_recipient_staff

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_of_user(context) -> bool:
    """Whether the signed-in user may open a recipient's inbox (a cache read), for the menu."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and is_recipient_staff(user))
