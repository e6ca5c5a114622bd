from django import template

from sharing.hub.selectors import HubRoles, hub_roles

register = template.Library()


@register.simple_tag(takes_context=True)
def hub_roles_of_user(context) -> HubRoles:
    """The signed-in user's hub roles (a cache read), for the officials' menu."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return hub_roles(user) if user is not None else HubRoles()


USE_BADGES = {
    "applied": "bg-light-information",
    "approved": "bg-light-success",
    "refused": "bg-light-danger",
    "suspended": "bg-light-warning",
    "revoked": "bg-light-gray",
}


@register.filter
def use_badge(status: str) -> str:
    """The KRDS badge colour of a use's status."""
    return USE_BADGES.get(status, "bg-light-gray")
