"""A local OAuth 2.0 authorisation server that STANDS IN FOR MICROSOFT ENTRA ID in the tests.

Councils on Exchange Online get their IMAP/SMTP access tokens from Entra ID (the client
credentials grant: the app proves who it is with a client secret or a certificate, and receives
a JWT for ``https://outlook.office365.com`` carrying the application roles the tenant's
administrator consented to). Entra cannot run in a test, so ``TokenIssuer`` plays its part on
127.0.0.1, closely enough that MSAL for Python talks to it unchanged (``authority=issuer.authority,
validate_authority=False, instance_discovery=False, verify=<certificate>``):

* OIDC discovery at ``{authority}/v2.0/.well-known/openid-configuration``, as MSAL fetches it;
* the token endpoint ``{authority}/oauth2/v2.0/token`` (client credentials only), with client
  authentication by secret (form body or HTTP Basic) or by a signed JWT assertion (RFC 7523,
  what MSAL sends for a certificate credential);
* Entra's refusals, worded as Entra words them (``AADSTSnnnn: ...`` and ``error_codes``), for the
  mistakes administrators make: wrong tenant, unknown application, wrong or expired secret,
  a certificate that is not registered, a scope that is not ``.../.default``;
* on a second, plain-HTTP port, token introspection (RFC 7662). Exchange validates Entra's tokens
  itself; Dovecot cannot, so it asks this endpoint instead, which answers with the mailbox the
  application was granted (``Add-MailboxPermission``) and its roles. It keeps running while the
  token service is stopped, as Exchange keeps accepting valid tokens while Entra is down.

Everything the tests steer (registrations, secrets, token lifetime, revocation, the token
service's availability) is changed through thread-safe methods; what clients did is kept in
``requests`` and ``tokens_issued`` for assertions.
"""

from __future__ import annotations

import base64
import datetime
import json
import socket
import ssl
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, unquote_plus

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"
EXCHANGE_RESOURCE = "https://outlook.office365.com"
EXCHANGE_SCOPE = f"{EXCHANGE_RESOURCE}/.default"
IMAP_ROLE = "IMAP.AccessAsApp"
SMTP_ROLE = "SMTP.SendAsApp"
DEFAULT_TENANT = "contoso-test-tenant"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# The app registration the `token_issuer` fixture makes for every test: mailbot's, granted the
# shared mailbox only (the one that Dovecot's "drp" user stands for).
TEST_CLIENT_ID = "mailbot-app"
TEST_CLIENT_SECRET = "mailbot-app-secret-1"
TEST_MAILBOX = "drp@luton.example.gov.uk"


def make_client_certificate(folder: Path, name: str = "mailbot-app") -> tuple[Path, Path, str]:
    """A self-signed certificate and its private key, as an administrator makes one to upload to
    the app registration: returns (certificate PEM path, key PEM path, SHA-1 thumbprint in hex),
    the thumbprint being what the Entra portal shows and MSAL's ``thumbprint`` expects."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}.crt.pem", folder / f"{name}.key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)  # as mailbot's own key file must be
    return cert_path, key_path, certificate.fingerprint(hashes.SHA1()).hex()  # noqa: S303 (Entra's x5t)


class IssuerRequest(NamedTuple):
    """One request the issuer answered: ``outcome`` is "discovery", "jwks", "issued", an Entra
    error code such as "AADSTS7000215", or "active"/"inactive" for introspection."""

    path: str
    client_id: str | None
    outcome: str


@dataclass
class _RegisteredCertificate:
    public_key: object
    sha1: bytes
    sha256: bytes


@dataclass
class _Client:
    client_id: str
    secrets: dict[str, bool]  # secret -> expired?
    certificates: list[_RegisteredCertificate]
    mailbox: str | None
    roles: tuple[str, ...]
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Issued:
    client_id: str
    expires: float
    revoked: bool = False


def _load_certificate(pem_path: str | Path) -> _RegisteredCertificate:
    certificate = x509.load_pem_x509_certificate(Path(pem_path).read_bytes())
    return _RegisteredCertificate(certificate.public_key(), certificate.fingerprint(hashes.SHA1()),  # noqa: S303
                                  certificate.fingerprint(hashes.SHA256()))


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _EntraError(Exception):
    """A refusal as Entra gives it: HTTP status, OAuth error, AADSTS code and its description."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def body(self) -> dict:
        trace, correlation = uuid.uuid4(), uuid.uuid4()
        stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        return {"error": self.error,
                "error_description": f"AADSTS{self.code}: {self.description} Trace ID: {trace} "
                                     f"Correlation ID: {correlation} Timestamp: {stamp}",
                "error_codes": [self.code], "timestamp": stamp, "trace_id": str(trace),
                "correlation_id": str(correlation),
                "error_uri": f"https://login.microsoftonline.com/error?code={self.code}"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # start_token_service() binds the same port again

    def __init__(self, port: int, issuer: "TokenIssuer", context: ssl.SSLContext | None) -> None:
        self.issuer = issuer
        self.context = context
        self._connections: set = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def process_request(self, request, client_address) -> None:
        # Noted here, in the accepting thread, so close() cannot miss a connection whose own
        # thread has not started yet.
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def finish_request(self, request, client_address) -> None:
        try:
            # The TLS handshake is made here, in the connection's own thread, not in accept(): a
            # client that connects and stalls must not hold up every other client.
            if self.context is not None:
                plain = request
                try:
                    request = self.context.wrap_socket(plain, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                with self._connections_lock:  # the plain socket gave its descriptor to the TLS one
                    self._connections.discard(plain)
                    self._connections.add(request)
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close(self) -> None:
        """Stop listening and cut every open connection: a client's keep-alive connection must
        not go on being served by a service that is "down"."""
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # noqa: A002 - the tests read issuer.requests instead
        pass

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        status, body = self.server.issuer._handle_get(self.path.split("?", 1)[0])
        self._reply(status, body)

    def do_POST(self) -> None:  # noqa: N802
        status, body = self.server.issuer._handle_post(self.path.split("?", 1)[0], self._form(),
                                                       self.headers.get("Authorization"))
        self._reply(status, body)


class TokenIssuer:
    """Stands in for Microsoft Entra ID (and for Exchange's own token check, by introspection).

    ``url`` and ``authority`` are the HTTPS token service (its certificate is ``certificate``, which
    clients must be told to trust); ``introspection_url`` is plain HTTP on a second port.
    """

    def __init__(self, certificate, tenant: str = DEFAULT_TENANT, scope: str = EXCHANGE_SCOPE) -> None:
        self.certificate = certificate
        self.tenant = tenant
        # Entra's tenant ID is a GUID; either the name or the GUID may appear in the authority.
        self.tenant_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, tenant))
        self.scope = scope
        self.default_lifetime = 3600
        self.lifetime_seconds = self.default_lifetime
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._key_id = uuid.uuid4().hex
        self._lock = threading.RLock()
        self._clients: dict[str, _Client] = {}
        self._issued: dict[str, _Issued] = {}
        self.tokens_issued: Counter[str] = Counter()
        self.requests: list[IssuerRequest] = []
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(certificate.cert, certificate.key)
        self._token_port = self._free_port()
        self._token_server: _Server | None = None
        self._introspection_server: _Server | None = None
        self.url = f"https://{HOST}:{self._token_port}"
        self.authority = f"{self.url}/{tenant}"
        self.token_endpoint = f"{self.authority}/oauth2/v2.0/token"
        self.issuer = f"https://sts.windows.net/{self.tenant_id}/"  # what Entra's v1 tokens carry
        self.introspection_url = ""  # set by start()

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as s:
            s.bind((HOST, 0))
            return s.getsockname()[1]

    # -- lifetime ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start both listeners (introspection on a fresh port, the token service on its own)."""
        with self._lock:
            if self._introspection_server is None:
                self._introspection_server = _Server(0, self, None)
                port = self._introspection_server.server_address[1]
                self.introspection_url = f"http://{HOST}:{port}/introspect"
                threading.Thread(target=self._introspection_server.serve_forever, args=(0.05,),
                                 name="issuer-introspection", daemon=True).start()
        self.start_token_service()

    def start_token_service(self) -> None:
        """Bring the token service (discovery and token endpoint) back on the same port."""
        with self._lock:
            if self._token_server is not None:
                return
            self._token_server = _Server(self._token_port, self, self._context)
            # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
            threading.Thread(target=self._token_server.serve_forever, args=(0.05,), name="issuer-token",
                             daemon=True).start()

    def stop_token_service(self) -> None:
        """"Entra is down": the port refuses connections; introspection keeps answering."""
        with self._lock:
            server, self._token_server = self._token_server, None
        if server is not None:
            server.close()

    @property
    def token_service_running(self) -> bool:
        return self._token_server is not None

    def stop(self) -> None:
        self.stop_token_service()
        with self._lock:
            server, self._introspection_server = self._introspection_server, None
        if server is not None:
            server.close()

    def reset(self) -> None:
        """Forget every registration, token and record; default lifetime; token service up."""
        with self._lock:
            self._clients.clear()
            self._issued.clear()
            self.tokens_issued.clear()
            self.requests.clear()
            self.lifetime_seconds = self.default_lifetime
        self.start_token_service()

    # -- controls ----------------------------------------------------------------------------

    def register_client(self, client_id: str, secrets=("s1",), certificate: str | Path | None = None,
                        mailbox: str | None = None, roles=(IMAP_ROLE, SMTP_ROLE)) -> None:
        """An app registration with its credentials, its consented application roles (empty: no
        admin consent) and the one mailbox it may open (None: no Add-MailboxPermission)."""
        certificates = [_load_certificate(certificate)] if certificate else []
        with self._lock:
            self._clients[client_id] = _Client(client_id, {s: False for s in secrets}, certificates,
                                               mailbox, tuple(roles))

    def _client(self, client_id: str) -> _Client:
        with self._lock:
            return self._clients[client_id]

    def add_secret(self, client_id: str, secret: str) -> None:
        with self._lock:
            self._clients[client_id].secrets[secret] = False

    def revoke_secret(self, client_id: str, secret: str) -> None:
        """The secret is deleted from the registration (tokens already issued stay valid)."""
        with self._lock:
            self._clients[client_id].secrets.pop(secret, None)

    def expire_secret(self, client_id: str, secret: str) -> None:
        with self._lock:
            self._clients[client_id].secrets[secret] = True

    def add_certificate(self, client_id: str, certificate: str | Path) -> None:
        with self._lock:
            self._clients[client_id].certificates.append(_load_certificate(certificate))

    def set_mailbox(self, client_id: str, mailbox: str | None) -> None:
        """Add-MailboxPermission (or its removal): takes effect at the next login, as in Exchange."""
        with self._lock:
            self._clients[client_id].mailbox = mailbox

    def set_roles(self, client_id: str, roles) -> None:
        """Change the consented roles; tokens already issued keep the roles they were issued with."""
        with self._lock:
            self._clients[client_id].roles = tuple(roles)

    def revoke_token(self, token: str) -> None:
        with self._lock:
            if token in self._issued:
                self._issued[token].revoked = True

    def revoke_all_tokens(self) -> None:
        """Every token issued so far is refused from now on (new ones are not)."""
        with self._lock:
            for issued in self._issued.values():
                issued.revoked = True

    def outcomes(self, path_suffix: str = "/token") -> list[str]:
        """The outcomes of the requests whose path ends with ``path_suffix``, oldest first."""
        with self._lock:
            return [r.outcome for r in self.requests if r.path.endswith(path_suffix)]

    def _record(self, path: str, client_id: str | None, outcome: str) -> None:
        with self._lock:
            self.requests.append(IssuerRequest(path, client_id, outcome))

    # -- the protocol ------------------------------------------------------------------------

    def _tenant_of(self, path: str) -> str:
        tenant = path.lstrip("/").split("/", 1)[0]
        if tenant not in (self.tenant, self.tenant_id):
            raise _EntraError(400, "invalid_request", 90002,
                              f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                              "and are signing into the correct cloud. Check with your subscription "
                              "administrator, this may happen if there are no active subscriptions for the tenant.")
        return tenant

    def _discovery(self, tenant: str) -> dict:
        base = f"{self.url}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{self.url}/{self.tenant_id}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }

    def _jwks(self) -> dict:
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._signing_key.public_key()))
        return {"keys": [{**key, "kid": self._key_id, "use": "sig", "alg": "RS256"}]}

    def _handle_get(self, path: str) -> tuple[int, dict]:
        try:
            tenant = self._tenant_of(path)
            if path.endswith("/v2.0/.well-known/openid-configuration"):
                self._record(path, None, "discovery")
                return 200, self._discovery(tenant)
            if path.endswith("/discovery/v2.0/keys"):
                self._record(path, None, "jwks")
                return 200, self._jwks()
        except _EntraError as error:
            self._record(path, None, f"AADSTS{error.code}")
            return error.status, error.body()
        self._record(path, None, "not found")
        return 404, {"error": "not_found"}

    def _handle_post(self, path: str, form: dict[str, str], authorization: str | None) -> tuple[int, dict]:
        if path == "/introspect":
            return 200, self._introspect(path, form.get("token", ""))
        client_id = form.get("client_id")
        try:
            tenant = self._tenant_of(path)
            if path != f"/{tenant}/oauth2/v2.0/token":
                self._record(path, client_id, "not found")
                return 404, {"error": "not_found"}
            secret = form.get("client_secret")
            if authorization and authorization.lower().startswith("basic "):
                # RFC 6749 §2.3.1: both parts form-urlencoded before base64.
                basic_id, _, basic_secret = base64.b64decode(authorization[6:]).decode().partition(":")
                client_id, secret = unquote_plus(basic_id), unquote_plus(basic_secret)
            body = self._token(form, client_id, secret)
        except _EntraError as error:
            self._record(path, client_id, f"AADSTS{error.code}")
            return error.status, error.body()
        self._record(path, client_id, "issued")
        return 200, body

    def _token(self, form: dict[str, str], client_id: str | None, secret: str | None) -> dict:
        if form.get("grant_type") != "client_credentials":
            raise _EntraError(400, "unsupported_grant_type", 70003,
                              "The app requested an unsupported grant type "
                              f"'{form.get('grant_type', '')}'.")
        if not client_id:
            raise _EntraError(400, "invalid_request", 900144,
                              "The request body must contain the following parameter: 'client_id'.")
        with self._lock:
            client = self._clients.get(client_id)
        if client is None:
            raise _EntraError(400, "unauthorized_client", 700016,
                              f"Application with identifier '{client_id}' was not found in the directory "
                              f"'{self.tenant}'. This can happen if the application has not been installed by "
                              "the administrator of the tenant or consented to by any user in the tenant. You "
                              "may have sent your authentication request to the wrong tenant.")
        if form.get("client_assertion"):
            appidacr = "2"
            self._check_assertion(client, form)
        elif secret:
            appidacr = "1"
            self._check_secret(client, secret)
        else:
            raise _EntraError(400, "invalid_client", 7000218,
                              "The request body must contain the following parameter: 'client_assertion' "
                              "or 'client_secret'.")
        self._check_scope(form.get("scope", ""))
        return self._issue(client, appidacr)

    def _check_secret(self, client: _Client, secret: str) -> None:
        with self._lock:
            expired = client.secrets.get(secret)
        if expired is None:
            raise _EntraError(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in the request is "
                              "the client secret value, not the client secret ID, for a secret added to app "
                              f"'{client.client_id}'.")
        if expired:
            raise _EntraError(401, "invalid_client", 7000222,
                              f"The provided client secret keys for app '{client.client_id}' are expired. "
                              "Visit the Azure portal to create new keys for your app: "
                              "https://aka.ms/NewClientSecret, or consider using certificate credentials for "
                              "added security: https://aka.ms/certCreds.")

    def _check_assertion(self, client: _Client, form: dict[str, str]) -> None:
        """RFC 7523 private_key_jwt, as MSAL makes it: signed RS256 (x5t = SHA-1 thumbprint) or
        PS256 (x5t#S256 = SHA-256 thumbprint) with a registered certificate's key."""
        def refuse(why: str, code: int = 700027) -> _EntraError:
            return _EntraError(401, "invalid_client", code, why)

        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise refuse("Client assertion contains an invalid signature or an unsupported assertion type.")
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
            wanted = [(header["x5t#S256"], "sha256")] if "x5t#S256" in header else [(header["x5t"], "sha1")]
            thumbprint, kind = _b64url_decode(wanted[0][0]), wanted[0][1]
        except (jwt.PyJWTError, KeyError, ValueError):
            raise refuse("Client assertion failed signature validation.") from None
        with self._lock:
            registered = [c for c in client.certificates if getattr(c, kind) == thumbprint]
        if not registered:
            raise refuse("The certificate with identifier used to sign the client assertion is not registered "
                         f"on application. [Reason - The key was not found., Thumbprint of key used by client: "
                         f"'{thumbprint.hex().upper()}', Please visit the Azure Portal, Graph Explorer or "
                         "directly use MS Graph to see configured keys for app Id "
                         f"'{client.client_id}'.]")
        try:
            jwt.decode(assertion, registered[0].public_key, algorithms=["RS256", "PS256"],
                       audience=[self.token_endpoint, f"{self.url}/{self.tenant_id}/oauth2/v2.0/token"],
                       issuer=client.client_id, subject=client.client_id,
                       options={"require": ["exp", "aud", "iss", "sub"]}, leeway=5)
        except jwt.ExpiredSignatureError:
            raise refuse("Client assertion is not within its valid time range.", 700024) from None
        except jwt.InvalidSignatureError:
            raise refuse("Client assertion failed signature validation.") from None
        except jwt.PyJWTError as error:
            raise refuse(f"Client assertion failed validation ({error}).") from None

    def _check_scope(self, scope: str) -> None:
        scopes = scope.split()
        if not scopes:
            raise _EntraError(400, "invalid_request", 900144,
                              "The request body must contain the following parameter: 'scope'.")
        if any(not s.endswith("/.default") for s in scopes):
            raise _EntraError(400, "invalid_scope", 1002012,
                              f"The provided value for scope {scope} is not valid. Client credential flows must "
                              "have a scope value with /.default suffixed to the resource identifier "
                              "(application ID URI).")
        if scopes != [self.scope]:
            resource = scopes[0].rsplit("/.default", 1)[0]
            raise _EntraError(400, "invalid_resource", 500011,
                              f"The resource principal named {resource} was not found in the tenant named "
                              f"{self.tenant}. This can happen if the application has not been installed by the "
                              "administrator of the tenant or consented to by any user in the tenant.")

    def _issue(self, client: _Client, appidacr: str) -> dict:
        now = int(time.time())
        with self._lock:
            lifetime = int(self.lifetime_seconds)
            roles = list(client.roles)
        claims = {"aud": self.scope.rsplit("/.default", 1)[0], "iss": self.issuer, "iat": now, "nbf": now,
                  "exp": now + lifetime, "tid": self.tenant_id, "appid": client.client_id,
                  "azp": client.client_id, "appidacr": appidacr, "idtyp": "app", "oid": client.object_id,
                  "sub": client.object_id, "uti": uuid.uuid4().hex, "ver": "1.0"}
        if roles:  # with no admin consent Entra still issues a token, only without roles
            claims["roles"] = roles
        token = jwt.encode(claims, self._signing_key, algorithm="RS256",
                           headers={"kid": self._key_id, "x5t": self._key_id})
        with self._lock:
            self._issued[token] = _Issued(client.client_id, now + lifetime)
            self.tokens_issued[client.client_id] += 1
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                "access_token": token}

    def _introspect(self, path: str, token: str) -> dict:
        """RFC 7662. Only tokens this issuer made, unexpired and unrevoked, are active; the token's
        own signature is checked too, so a forged or altered one is never active."""
        with self._lock:
            issued = self._issued.get(token)
            client = self._clients.get(issued.client_id) if issued else None
        claims = None
        if issued and client and not issued.revoked and issued.expires > time.time():
            try:
                claims = jwt.decode(token, self._signing_key.public_key(), algorithms=["RS256"],
                                    audience=self.scope.rsplit("/.default", 1)[0], issuer=self.issuer)
            except jwt.PyJWTError:
                claims = None
        if claims is None:
            self._record(path, issued.client_id if issued else None, "inactive")
            return {"active": False}
        self._record(path, client.client_id, "active")
        # No Add-MailboxPermission: the token is genuine but opens no mailbox. An empty username
        # makes Dovecot refuse the login as a failed authentication; leaving the field out would
        # make it a "temporary failure" instead, which is not what Exchange says.
        return {"active": True, "username": client.mailbox or "", "scope": " ".join(claims.get("roles", [])),
                "client_id": client.client_id, "exp": claims["exp"], "token_type": "Bearer",
                "aud": claims["aud"], "iss": claims["iss"]}
