"""Who may do what: operator login and logout, the session, the "switch client" scope, CSRF
protection on every state-changing route, security headers and the login rate limit.

Every route needs a signed-in operator except the login page, ``/health``, the static files
and the OAuth callback (which Google calls, protected by its single-use ``state``). An
anonymous API call answers 401 JSON; an anonymous page view goes to ``/login``. Every POST,
PUT, PATCH and DELETE needs the session's CSRF token (``X-CSRFToken`` header or a
``csrf_token`` form field), or answers 403 and changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any, Optional
from urllib.parse import urlsplit

import calstack
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf  # type: ignore[import-untyped]

from .errors import BadInput, error
from .operators import Operator, Operators

auth = Blueprint("auth", __name__)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Endpoints anyone may call.
PUBLIC_ENDPOINTS = {
    "auth.login", "auth.login_form", "health.health_check", "health.live", "api.oauth_callback", "static", "vendor",
    "favicon",
    "mirror.notification",  # Google calls it; the library checks the channel's token
    "metrics.prometheus",  # checks an operator or the scrape token itself
}


def operators() -> Operators:
    """The app's operator table."""
    table: Operators = current_app.extensions["operators"]
    return table


def current_operator() -> Optional[Operator]:
    """The signed-in operator of this request, or None."""
    found: Optional[Operator] = g.get("operator")
    return found


def signed_in() -> Operator:
    """The signed-in operator (every non-public route has one)."""
    operator = current_operator()
    if operator is None:  # pragma: no cover - the guard answered 401 already
        raise BadInput("session", "not signed in")
    return operator


def init_security(app: Flask) -> None:
    """Installs the login guard, CSRF protection, the rate limiter and the headers on ``app``.
    The guard runs before the CSRF check, so an anonymous caller gets 401 either way."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    app.before_request(_load_operator)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)
    app.register_blueprint(auth)

    @app.errorhandler(CSRFError)
    def csrf_refused(e: CSRFError) -> Any:
        return error(403, "csrf_failed", e.description or "missing or invalid CSRF token")

    @app.context_processor
    def template_values() -> dict[str, Any]:
        return {"csrf_token": generate_csrf, "csp_nonce": g.get("csp_nonce", "")}


def _load_operator() -> Any:
    g.csp_nonce = secrets.token_urlsafe(16)
    operator_id = session.get("operator_id")
    operator = operators().get(int(operator_id)) if isinstance(operator_id, int) else None
    if operator is None and operator_id is not None:
        session.clear()  # the operator was removed
    g.operator = operator
    if operator is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return error(401, "login_required", "sign in first: POST /login with username and password")
    return redirect(url_for("auth.login_form", next=request.full_path if request.query_string else request.path))


def _security_headers(response: Any) -> Any:
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint not in ("static", "vendor"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _safe_next(target: Optional[str]) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"  # (browsers read a backslash as a slash: "/\\evil" is "//evil")
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


# Routes


@auth.get("/login")
def login_form() -> Any:
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"csrf_token": generate_csrf()})  # for API clients signing in with JSON
    if current_operator() is not None:
        return redirect("/")
    return render_template("login.html", error=None, next=_safe_next(request.args.get("next")))


@auth.post("/login")
@limiter.limit(lambda: str(current_app.config["LOGIN_RATE_LIMIT"]), methods=["POST"])
def login() -> Any:
    data = request.get_json(silent=True) if request.is_json else request.form
    username = str((data or {}).get("username") or "")
    password = str((data or {}).get("password") or "")
    operator = operators().authenticate(username, password) if username and password else None
    if operator is None:
        current_app.logger.warning("login refused", extra={"operator": username[:150]})
        if request.is_json:
            return error(401, "login_failed", "wrong username or password")
        page = render_template("login.html", error="Wrong username or password.", next=_safe_next(request.form.get("next")))
        return page, 401
    session.clear()
    session["operator_id"] = operator.id
    session.permanent = True
    current_app.logger.info("login", extra={"operator": operator.username})
    if request.is_json:
        return jsonify(_me(operator))
    return redirect(_safe_next(request.form.get("next")))


@auth.post("/logout")
def logout() -> Any:
    session.clear()
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return "", 204
    return redirect(url_for("auth.login_form"))


def _me(operator: Operator) -> dict[str, Any]:
    return {"username": operator.username, "client_scope": operator.client_scope, "csrf_token": generate_csrf()}


@auth.get("/api/me")
def me() -> Any:
    """The signed-in operator, the client scope and the CSRF token for this session."""
    return jsonify(_me(signed_in()))


@auth.put("/api/me/scope")
def set_scope() -> Any:
    """The "switch client" control: ``{"client_id": ID}`` for one client, ``null`` for all."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "client_id" not in data:
        raise BadInput("client_id", "send {\"client_id\": ID} or {\"client_id\": null}")
    value = data["client_id"]
    if value is not None and not isinstance(value, str):
        raise BadInput("client_id", "must be a client id or null")
    scope = None
    if value:
        stack: calstack.Calstack = current_app.extensions["calstack"]
        scope = stack.clients.get(value).id  # 404 for an unknown client
    operator = signed_in()
    operators().set_scope(operator.id, scope)
    return jsonify(_me(Operator(operator.id, operator.username, scope)))
