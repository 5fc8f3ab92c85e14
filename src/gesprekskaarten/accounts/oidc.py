"""The OpenID Connect client: the protocol half of single sign-on, with Authlib and joserfc.

Authorization code flow with PKCE (S256), `state` and `nonce`, for one organisation's provider:

    url, pending = start(sso, redirect_uri)          # send the browser to `url`, keep `pending`
    claims = finish(sso, pending, code, redirect_uri)  # on the way back: the checked claims

`start` reads the provider's discovery document (`<issuer>/.well-known/openid-configuration`);
`finish` exchanges the code at the token endpoint, checks the ID token (signature with a key
from the provider's JWKS, `iss`, `aud`, `exp`, `iat`, `nonce`, `azp`, `at_hash`) and, when the
ID token carries no e-mail claims, asks the userinfo endpoint for them (same `sub` required).
Every network call has a short timeout (GK_SSO_TIMEOUT). What a person may do with the claims
is decided elsewhere (accounts/signon.py).
"""

import ipaddress
import secrets
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

SCOPE = "openid email profile"
# ID tokens signed with a provider's public key only: no "none", no secret-based HS256.
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
LEEWAY = 60  # seconds of clock difference accepted for exp, iat and nbf


class SignOnError(Exception):
    """The provider could not be used for this login. `reason` picks the friendly page."""

    reason = "invalid"


class ProviderUnavailable(SignOnError):
    """The provider did not answer (in time), or answered with something that is not OIDC."""

    reason = "unavailable"


class InvalidResponse(SignOnError):
    """The provider's answer failed a check: nothing from it may be trusted."""

    reason = "invalid"


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def is_local(url: str) -> bool:
    """A provider on this machine (development and tests) may use plain http."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.GK_SSO_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url} did not answer with a JSON object")
    return data


def discover(issuer: str) -> dict:
    """The provider's metadata. Its `issuer` must be the one configured (a trailing slash aside),
    and it must name the endpoints the code flow needs."""
    metadata = _get_json(discovery_url(issuer))
    if str(metadata.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise ProviderUnavailable("The discovery document names another issuer.")
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        url = metadata.get(endpoint)
        if not isinstance(url, str) or not (url.startswith("https://") or is_local(url)):
            raise ProviderUnavailable(f"The discovery document has no usable {endpoint}.")
    return metadata


def _auth_method(metadata: dict) -> str:
    supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"


def _session(sso, pending: dict, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=sso.client_id,
        client_secret=sso.client_secret,
        token_endpoint_auth_method=pending["auth_method"],
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=settings.GK_SSO_TIMEOUT,
    )


def start(sso, redirect_uri: str) -> tuple[str, dict]:
    """Where to send the browser, and what to keep (in the session) for the way back."""
    metadata = discover(sso.issuer)
    algorithms = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if alg in SIGNING_ALGORITHMS
    ]
    pending = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "code_verifier": secrets.token_urlsafe(64),
        "issuer": metadata["issuer"],
        "client_id": sso.client_id,
        "token_endpoint": metadata["token_endpoint"],
        "jwks_uri": metadata["jwks_uri"],
        "userinfo_endpoint": metadata.get("userinfo_endpoint") or "",
        "algorithms": algorithms,
        "auth_method": _auth_method(metadata),
    }
    url, _state = _session(sso, pending, redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending["state"],
        nonce=pending["nonce"],
        code_verifier=pending["code_verifier"],
    )
    return url, pending


def finish(sso, pending: dict, code: str, redirect_uri: str) -> dict:
    """Exchange `code` for tokens and return the ID token's claims, checked, with `email` and
    `email_verified` from the userinfo endpoint when the ID token has none."""
    session = _session(sso, pending, redirect_uri)
    try:
        token = session.fetch_token(
            pending["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=pending["code_verifier"],
        )
    except requests.RequestException as error:
        raise ProviderUnavailable(str(error)) from error
    except (AuthlibBaseError, ValueError) as error:  # an error answer, or not JSON
        raise InvalidResponse(f"token endpoint: {error}") from error
    if not isinstance(token.get("id_token"), str):
        raise InvalidResponse("The token endpoint sent no ID token.")
    claims = validate_id_token(token["id_token"], pending, token.get("access_token"))
    verified = "email_verified" in claims or "xms_edov" in claims  # signon.is_verified
    if ("email" not in claims or not verified) and pending["userinfo_endpoint"]:
        claims = {**claims, **_email_from_userinfo(session, pending, claims["sub"])}
    return claims


def validate_id_token(id_token: str, pending: dict, access_token: str | None = None) -> dict:
    keys = _get_json(pending["jwks_uri"])
    try:
        key_set = KeySet.import_key_set(keys)
        decoded = jwt.decode(
            id_token,
            key_set,
            registry=JWSRegistry(algorithms=pending["algorithms"], strict_check_header=False),
        )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": pending["issuer"]},
                "aud": {"essential": True, "value": pending["client_id"]},
                "exp": {"essential": True},
            },
            {
                "nonce": pending["nonce"],
                "client_id": pending["client_id"],
                "access_token": access_token,
            },
        )
        claims.validate(leeway=LEEWAY)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidResponse(f"ID token: {error!r}") from error
    return dict(claims)


def _email_from_userinfo(session: OAuth2Session, pending: dict, subject: str) -> dict:
    try:
        response = session.get(pending["userinfo_endpoint"])
        response.raise_for_status()
        userinfo = response.json()
    except requests.RequestException as error:
        raise ProviderUnavailable(str(error)) from error
    except ValueError as error:
        raise InvalidResponse("userinfo: not JSON") from error
    if not isinstance(userinfo, dict) or userinfo.get("sub") != subject:
        raise InvalidResponse("userinfo: another subject than the ID token")
    return {key: userinfo[key] for key in ("email", "email_verified") if key in userinfo}
