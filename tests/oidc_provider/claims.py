"""The claims the test provider tells about a person. A person in the group "unverified" has an
e-mail address the provider has not verified (email_verified: false)."""


def userinfo(claims, user):
    claims["email"] = user.email
    claims["email_verified"] = not user.groups.filter(name="unverified").exists()
    claims["name"] = user.get_full_name() or user.username
    claims["preferred_username"] = user.username
    return claims
