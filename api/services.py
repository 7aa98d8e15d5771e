"""Writes of the API: a shopper's token, created and revoked."""

from rest_framework.authtoken.models import Token

from marketplace.models import User


def api_token_create(*, user: User) -> str:
    """The user's API token, created on first call (one token per user: asking again
    returns the same one until it is revoked)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def api_token_revoke(*, user: User) -> bool:
    """Delete the user's token; returns whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
