import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird

/// The authorization endpoint (RFC 6749 §3.1) and the hosted pages behind it: sign-in (password, then the
/// TOTP step or enrolment when the login policy asks for one; or a passkey), consent for third-party clients, and the redirect back
/// with a code. Every decision is the engine's (`AuthorizationFlow`, `PasswordLogin`); this renders pages,
/// keeps the browser's session and CSRF cookies, and checks the CSRF token of every form (double submit:
/// the form's hidden field must equal the cookie, which another site can neither read nor set).
struct HostedLoginController {
    let flow: AuthorizationFlow
    let logout: RPLogout
    let login: PasswordLogin
    let passkeys: PasskeyService
    let browserSessions: BrowserSessions
    let tenants: TenantResolver
    let clientAddress: ClientAddressResolver
    let random: any RandomSource
    /// https public URL: cookies get `Secure` and the `__Host-` prefix.
    let secure: Bool

    var routes: [Route] {
        ["", "/t/{tenantId}"].flatMap { prefix in signInRoutes(prefix) + logoutRoutes(prefix) }
    }

    func signInRoutes(_ prefix: String) -> [Route] {
            [
                Route.open(
                    .get, prefix + "/oauth2/authorize",
                    .init(
                        "OAuth 2.0 authorization endpoint (RFC 6749 §4.1.1, PKCE S256, OpenID Connect): the hosted sign-in",
                        description: "Redirects back with code, state and iss (RFC 9207), or with an error; an unknown client or an unregistered redirect URI is shown, never redirected.",
                        query: Self.authorizeQuery,
                        Reply(status: 200, schema: .string("the sign-in or consent page"), description: "a page to fill in", contentType: "text/html"),
                        Reply(status: 302, schema: nil, description: "back to the client's redirect URI with code or error"),
                        Reply(status: 400, schema: .string("the error page"), description: "the request cannot be trusted", contentType: "text/html")),
                    use: authorize),
                Route.open(
                    .post, prefix + "/oauth2/login",
                    .init(
                        "The hosted sign-in form: password", body: .ref("HostedLoginForm"), bodyContentType: OAuthController.form,
                        Reply(status: 200, schema: .string("the two-step, enrolment or consent page"), description: "next page", contentType: "text/html"),
                        Reply(status: 303, schema: nil, description: "back to the client"),
                        Self.expiredPage,
                        Reply(status: 401, schema: .string("the sign-in page"), description: "wrong credentials", contentType: "text/html"),
                        Reply(status: 429, schema: .string("the sign-in page"), description: "too many attempts", contentType: "text/html")),
                    use: signIn),
                Route.open(
                    .post, prefix + "/oauth2/login/otp",
                    .init(
                        "The hosted sign-in form: the TOTP code (with enrolment, the first code of the offered secret)", body: .ref("HostedOTPForm"),
                        bodyContentType: OAuthController.form,
                        Reply(status: 200, schema: .string("the consent page"), description: "next page", contentType: "text/html"),
                        Reply(status: 303, schema: nil, description: "back to the client"),
                        Self.expiredPage,
                        Reply(status: 401, schema: .string("the two-step or enrolment page"), description: "wrong code", contentType: "text/html"),
                        Reply(status: 409, schema: .string("the error page"), description: "the user enrolled elsewhere meanwhile", contentType: "text/html"),
                        Reply(status: 429, schema: .string("the two-step page"), description: "too many attempts", contentType: "text/html")),
                    use: secondFactor),
                Route.open(
                    .post, prefix + "/oauth2/login/passkey",
                    .init(
                        "The hosted sign-in page's passkey button (W3C WebAuthn §7.2): the assertion of a discoverable credential",
                        body: .ref("HostedPasskeyForm"), bodyContentType: OAuthController.form,
                        Reply(status: 200, schema: .string("the consent page"), description: "next page", contentType: "text/html"),
                        Reply(status: 303, schema: nil, description: "back to the client"),
                        Reply(status: 400, schema: .string("the sign-in or error page"), description: "an unreadable assertion, an expired ceremony or page, a bad CSRF token", contentType: "text/html"),
                        Reply(status: 401, schema: .string("the sign-in page"), description: "the passkey does not sign anyone in", contentType: "text/html"),
                        Reply(status: 409, schema: .string("the sign-in page"), description: "the passkey was used by another sign-in at the same moment", contentType: "text/html"),
                        Reply(status: 429, schema: .string("the sign-in page"), description: "too many attempts", contentType: "text/html")),
                    use: passkeySignIn),
                Route.open(
                    .post, prefix + "/oauth2/consent",
                    .init(
                        "The consent form (OpenID Connect Core §3.1.2.4)", body: .ref("HostedConsentForm"), bodyContentType: OAuthController.form,
                        Reply(status: 200, schema: .string("the sign-in page"), description: "the session ended meanwhile", contentType: "text/html"),
                        Reply(status: 303, schema: nil, description: "back to the client with a code or access_denied"),
                        Self.expiredPage),
                    use: consent),
            ].map { $0.inDialect(.html) }
    }

    func logoutRoutes(_ prefix: String) -> [Route] {
            [
                Route.open(
                    .get, prefix + "/oauth2/logout",
                    .init(
                        "OpenID Connect RP-initiated logout: ends the browser's sign-in", query: Self.logoutQuery,
                        Reply(status: 200, schema: .string("a page asking to confirm, or saying it is done"), description: "a page", contentType: "text/html"),
                        Reply(status: 303, schema: nil, description: "to the registered post_logout_redirect_uri"),
                        Reply(status: 400, schema: .string("the error page"), description: "an unknown hint or an unregistered redirect", contentType: "text/html")),
                    use: logoutRequest),
                Route.open(
                    .post, prefix + "/oauth2/logout",
                    .init(
                        "The sign-out confirmation form", body: .ref("HostedLogoutForm"), bodyContentType: OAuthController.form,
                        Reply(status: 200, schema: .string("signed out"), description: "a page", contentType: "text/html"),
                        Reply(status: 303, schema: nil, description: "to the registered post_logout_redirect_uri"),
                        Self.expiredPage),
                    use: logoutConfirmed),
            ].map { $0.inDialect(.html) }
    }

    /// What every posted form answers when its CSRF token or its sealed request does not hold.
    static let expiredPage = Reply(status: 400, schema: .string("the error page"), description: "an expired page or a bad CSRF token", contentType: "text/html")

    static let authorizeQuery: [QueryParameter] = [
        ("response_type", "code"), ("client_id", "the client"), ("redirect_uri", "exactly as registered"), ("scope", "space-separated"),
        ("state", "returned as is"), ("code_challenge", "BASE64URL(SHA-256(code_verifier))"), ("code_challenge_method", "S256"),
        ("nonce", "returned in the ID token"), ("prompt", "none, login, consent or select_account"), ("max_age", "seconds"),
        ("login_hint", "prefills the sign-in form"),
    ].map { QueryParameter(name: $0.0, schema: .text(maxLength: 2048), description: $0.1) }

    /// Bounds that keep the whole query, percent-encoded, under the HTTP parser's header limit.
    static let logoutQuery: [QueryParameter] = [
        ("id_token_hint", "an ID token this server issued (expired ones too)", 4096), ("client_id", "the client", 128),
        ("post_logout_redirect_uri", "exactly as registered", 2048), ("state", "returned as is", 1024),
    ].map { QueryParameter(name: $0.0, schema: .text(maxLength: $0.2), description: $0.1) }

    static let schemas: [(String, Schema)] = [
        (
            "HostedLogoutForm",
            .object(["csrf": .text(maxLength: 256), "request": .text(maxLength: 8192)], required: ["csrf", "request"])
        ),
        (
            "HostedLoginForm",
            .object(
                ["csrf": .text(maxLength: 256), "request": .text(maxLength: 8192), "login": .text(maxLength: 320), "password": .text(maxLength: 1024)],
                required: ["csrf", "request", "login", "password"])
        ),
        (
            "HostedOTPForm",
            .object(
                [
                    "csrf": .text(maxLength: 256), "request": .text(maxLength: 8192), "pending": .text(maxLength: 2048), "code": .text(maxLength: 16),
                    "enrolment": .described(.text(maxLength: MFAService.maxSealedEnrolment), "the secret the enrolment page offered, sealed"),
                ],
                required: ["csrf", "request", "pending", "code"])
        ),
        (
            "HostedPasskeyForm",
            .object(
                [
                    "csrf": .text(maxLength: 256), "request": .text(maxLength: 8192), "ceremony": .text(maxLength: 2048),
                    "credential": .described(.text(maxLength: 32 * 1024), "AuthenticationResponseJSON (W3C WebAuthn §5.1), as JSON text"),
                ], required: ["csrf", "request", "ceremony", "credential"])
        ),
        (
            "HostedConsentForm",
            .object(
                ["csrf": .text(maxLength: 256), "request": .text(maxLength: 8192), "decision": .text(values: ["allow", "deny"])],
                required: ["csrf", "request", "decision"])
        ),
    ]

    // MARK: handlers

    @Sendable func authorize(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let query = request.uri.query ?? ""
        let (fields, repeated): ([String: String], String?)
        do {
            (fields, repeated) = try FormBody.fieldsAndRepeat(bytes: Array(query.utf8))
        } catch {
            return errorPage(tenant, "The request is malformed.", status: .badRequest)
        }
        var p = AuthorizationParameters()
        p.responseType = fields["response_type"]
        p.clientId = fields["client_id"]
        p.redirectURI = fields["redirect_uri"]
        p.scope = fields["scope"]
        p.state = fields["state"]
        p.codeChallenge = fields["code_challenge"]
        p.codeChallengeMethod = fields["code_challenge_method"]
        p.nonce = fields["nonce"]
        p.prompt = fields["prompt"]
        p.maxAge = fields["max_age"]
        p.loginHint = fields["login_hint"]
        p.responseMode = fields["response_mode"]
        p.request = fields["request"]
        p.requestURI = fields["request_uri"]
        p.repeated = repeated
        let browser = try await browserSessions.current(cookie: cookie(request, ssoCookie(tenant)), tenantId: tenant.id)
        let step = try await flow.start(tenantId: tenant.id, p, browser: browser)
        return try await render(step, tenant: tenant, request: request, browser: browser, redirectStatus: .found, loginHint: p.loginHint)
    }

    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let (form, authorization) = try await page(request, tenant: tenant)
        guard let form, let authorization else { return expired(tenant) }
        let name = form["login"] ?? ""
        let password = form["password"] ?? ""
        guard !name.isEmpty, !password.isEmpty, name.utf8.count <= 320, password.utf8.count <= 1024 else {
            return try await loginPage(tenant, authorization, request: request, error: "Enter your email or username and your password.", login: name, status: .badRequest)
        }
        do {
            switch try await login.browserLogin(
                tenant: tenant, login: name, password: password, clientAddress: clientAddress.address(request, context: context))
            {
            case .signedIn(let user, let session):
                return try await signedIn(tenant, authorization, request: request, session: session, user: user)
            case .secondFactorRequired(_, let pending):
                return try await otpPage(tenant, authorization, request: request, pending: pending, error: nil, status: .ok)
            case .enrolmentRequired(_, let pending, let enrolment):
                return try await enrolPage(tenant, authorization, request: request, pending: pending, enrolment, error: nil, status: .ok)
            }
        } catch let error as GatehouseError where error.code == .unauthorized || error.code == .throttled || error.code == .forbidden {
            var response = try await loginPage(
                tenant, authorization, request: request, error: message(error, default: "The email, username or password is not right."),
                login: name, status: ErrorMiddleware<AppRequestContext>.status(for: error.code))
            if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
            return response
        }
    }

    @Sendable func secondFactor(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let (form, authorization) = try await page(request, tenant: tenant)
        guard let form, let authorization, let pending = form["pending"], !pending.isEmpty, pending.utf8.count <= 2048 else {
            return expired(tenant)
        }
        let code = form["code"] ?? ""
        let enrolment = form["enrolment"]
        do {
            let (user, session) = try await login.browserCompleteWithOTP(
                pending: pending, otp: code, enrolment: enrolment, tenantId: tenant.id,
                clientAddress: clientAddress.address(request, context: context))
            return try await signedIn(tenant, authorization, request: request, session: session, user: user)
        } catch let error as GatehouseError
            where [.unauthorized, .throttled, .invalidToken, .invalidField, .invalidRequest, .conflict].contains(error.code)
        {
            if error.code == .invalidToken { return expired(tenant) }
            if error.code == .conflict {
                return errorPage(tenant, "Two-step verification was set up meanwhile. Start again from the application.", status: .conflict)
            }
            let text = message(error, default: "That code is not right.")
            let status = ErrorMiddleware<AppRequestContext>.status(for: error.code)
            var response =
                if let enrolment {
                    try await enrolPage(
                        tenant, authorization, request: request, pending: pending,
                        try await login.browserEnrolment(pending: pending, sealed: enrolment, tenant: tenant), error: text, status: status)
                } else {
                    try await otpPage(tenant, authorization, request: request, pending: pending, error: text, status: status)
                }
            if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
            return response
        }
    }

    @Sendable func passkeySignIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let (form, authorization) = try await page(request, tenant: tenant)
        guard let form, let authorization else { return expired(tenant) }
        do {
            let ceremony = try Validate.token(form["ceremony"], "ceremony", max: 2048)
            let credential = try Validate.token(form["credential"], "credential", max: 32 * 1024)
            guard let parsed = try? JSONDecoder().decode(WebAuthnController.CredentialJSON<WebAuthnController.AssertionResponseJSON>.self, from: Data(credential.utf8))
            else { throw GatehouseError.field("credential", "is not AuthenticationResponseJSON") }
            let (user, session) = try await passkeys.finishHostedLogin(
                tenant: tenant, sessionId: ceremony, response: try WebAuthnController.assertion(parsed),
                clientAddress: clientAddress.address(request, context: context))
            return try await signedIn(tenant, authorization, request: request, session: session, user: user)
        } catch let error as GatehouseError
            where [.unauthorized, .throttled, .invalidToken, .invalidField, .invalidRequest, .conflict].contains(error.code)
        {
            let (text, status): (String, HTTPResponse.Status) =
                switch error.code {
                case .throttled: (message(error, default: ""), .tooManyRequests)
                case .unauthorized: ("That passkey cannot sign you in here.", .unauthorized)
                case .conflict: ("That passkey was used by another sign-in at the same moment. Try again.", .conflict)
                case .invalidToken: ("The passkey request expired. Try again.", .badRequest)
                default: ("The passkey's answer could not be read. Try again, or use your password.", .badRequest)
                }
            var response = try await loginPage(tenant, authorization, request: request, error: text, login: "", status: status)
            if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
            return response
        }
    }

    @Sendable func consent(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let (form, authorization) = try await page(request, tenant: tenant)
        guard let form, let authorization, let decision = form["decision"], decision == "allow" || decision == "deny" else {
            return expired(tenant)
        }
        let browser = try await browserSessions.current(cookie: cookie(request, ssoCookie(tenant)), tenantId: tenant.id)
        let step = try await flow.consent(tenantId: tenant.id, authorization, browser: browser, approved: decision == "allow")
        return try await render(step, tenant: tenant, request: request, browser: browser, redirectStatus: .seeOther, loginHint: nil)
    }

    @Sendable func logoutRequest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        guard let (fields, repeated) = try? FormBody.fieldsAndRepeat(bytes: Array((request.uri.query ?? "").utf8)), repeated == nil else {
            return errorPage(tenant, "The sign-out request is malformed.", status: .badRequest)
        }
        var p = RPLogout.Parameters()
        p.idTokenHint = fields["id_token_hint"]
        p.clientId = fields["client_id"]
        p.postLogoutRedirectURI = fields["post_logout_redirect_uri"]
        p.state = fields["state"]
        let browser = try await browserSessions.current(cookie: cookie(request, ssoCookie(tenant)), tenantId: tenant.id)
        return try await loggedOut(try await logout.start(tenantId: tenant.id, p, browser: browser), tenant: tenant, request: request, browser: browser)
    }

    @Sendable func logoutConfirmed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let form = try await FormBody.decode(request)
        guard csrfMatches(form, request), let sealed = form["request"] else { return expired(tenant) }
        let browser = try await browserSessions.current(cookie: cookie(request, ssoCookie(tenant)), tenantId: tenant.id)
        return try await loggedOut(
            try await logout.confirm(tenantId: tenant.id, sealed: sealed, browser: browser), tenant: tenant, request: request, browser: browser)
    }

    private func loggedOut(_ step: RPLogout.Step, tenant: Tenant, request: Request, browser: (Session, User)?) async throws -> Response {
        var response: Response
        switch step {
        case .error(let message):
            return errorPage(tenant, message, status: .badRequest)
        case .confirm(let sealed):
            return formPage(
                "logout",
                base(tenant, title: "Sign out") + [
                    "userName": browser?.1.email ?? browser?.1.username ?? "", "request": sealed, "action": action(tenant, "logout"),
                ], request: request, redirectURI: nil)
        case .done(let redirect):
            if let redirect {
                response = HostedPages.redirect(redirect)
            } else {
                response = HostedPages.page(
                    "error", base(tenant, title: "Signed out") + ["message": "You are signed out of \(tenant.projectName)."], nonce: nonce())
            }
        }
        response.headers.append(HTTPField(name: .setCookie, value: clearCookie(ssoCookie(tenant))))
        return response
    }

    // MARK: steps and pages

    /// The browser signed in on this page: its session cookie is set and the flow goes on.
    private func signedIn(_ tenant: Tenant, _ authorization: AuthorizationGrantRequest, request: Request, session: Session, user: User)
        async throws -> Response
    {
        let step = try await flow.resume(tenantId: tenant.id, authorization, browser: (session, user), signedInNow: true)
        var response = try await render(step, tenant: tenant, request: request, browser: (session, user), redirectStatus: .seeOther, loginHint: nil)
        response.headers.append(HTTPField(name: .setCookie, value: setCookie(ssoCookie(tenant), try browserSessions.cookieValue(for: session))))
        return response
    }

    private func render(
        _ step: AuthorizationFlow.Step, tenant: Tenant, request: Request, browser: (Session, User)?, redirectStatus: HTTPResponse.Status,
        loginHint: String?
    ) async throws -> Response {
        switch step {
        case .redirect(let location):
            return HostedPages.redirect(location, status: redirectStatus)
        case .error(let message):
            return errorPage(tenant, message, status: .badRequest)
        case .login(let authorization):
            return try await loginPage(tenant, authorization, request: request, error: nil, login: loginHint ?? "", status: .ok)
        case .consent(let authorization, let clientName, let scopes):
            return formPage(
                "consent",
                base(tenant, title: "Allow access") + [
                    "clientName": clientName, "userName": browser?.1.email ?? browser?.1.username ?? "",
                    "scopes": scopes.map(HostedPages.describe), "request": try flow.seal(authorization, tenantId: tenant.id),
                    "action": action(tenant, "consent"),
                ], request: request, redirectURI: authorization.redirectURI)
        }
    }

    /// The sign-in page; with a passkey button (a fresh sealed ceremony, nothing stored) when a browser here
    /// can use the tenant's passkeys.
    private func loginPage(
        _ tenant: Tenant, _ authorization: AuthorizationGrantRequest, request: Request, error: String?, login: String,
        status: HTTPResponse.Status
    ) async throws -> Response {
        var values: [String: Any] = ["login": login]
        if let (ceremony, options) = try await passkeys.hostedPageOptions(tenant: tenant) {
            values["passkey"] = [
                "ceremony": ceremony, "options": String(decoding: try JSONEncoder().encode(options), as: UTF8.self),
                "action": action(tenant, "login/passkey"),
            ]
        }
        return try await signInPage("login", title: "Sign in", step: "login", tenant, authorization, values, request: request, error: error, status: status)
    }

    private func otpPage(
        _ tenant: Tenant, _ authorization: AuthorizationGrantRequest, request: Request, pending: String, error: String?,
        status: HTTPResponse.Status
    ) async throws -> Response {
        try await signInPage(
            "otp", title: "Two-step verification", step: "login/otp", tenant, authorization, ["pending": pending], request: request,
            error: error, status: status)
    }

    private func enrolPage(
        _ tenant: Tenant, _ authorization: AuthorizationGrantRequest, request: Request, pending: String, _ enrolment: MFAService.Enrolment,
        error: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        let grouped = stride(from: 0, to: enrolment.secret.count, by: 4).map { start in
            String(enrolment.secret.dropFirst(start).prefix(4))
        }.joined(separator: " ")
        return try await signInPage(
            "enrol", title: "Set up two-step verification", step: "login/otp", tenant, authorization,
            [
                "pending": pending, "enrolment": enrolment.sealed, "secret": grouped,
                "qr": try QRCode(enrolment.otpauthURL).svg(),
            ], request: request, error: error, status: status)
    }

    /// A sign-in step's page: the client's name, the sealed request, the form's action, the error if any.
    private func signInPage(
        _ template: String, title: String, step: String, _ tenant: Tenant, _ authorization: AuthorizationGrantRequest,
        _ extra: [String: Any], request: Request, error: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        var values = base(tenant, title: title) + extra + [
            "clientName": try await flow.clientName(tenantId: tenant.id, id: authorization.clientId),
            "request": try flow.seal(authorization, tenantId: tenant.id), "action": action(tenant, step),
        ]
        if let error { values["error"] = error }
        return formPage(template, values, request: request, status: status, redirectURI: authorization.redirectURI)
    }

    /// A page with a form: the browser's CSRF token in the form (its cookie set when the browser has none),
    /// and form posts allowed to the client's redirect origin, where the flow's last redirect goes.
    private func formPage(
        _ template: String, _ values: [String: Any], request: Request, status: HTTPResponse.Status = .ok, redirectURI: String?
    ) -> Response {
        let (csrf, setCSRF) = csrfToken(request)
        var response = HostedPages.page(
            template, values + ["csrf": csrf], status: status,
            formTargets: redirectURI.flatMap(HostedPages.origin(of:)).map { [$0] } ?? [], nonce: nonce())
        if let setCSRF { response.headers.append(HTTPField(name: .setCookie, value: setCSRF)) }
        return response
    }

    private func errorPage(_ tenant: Tenant, _ message: String, status: HTTPResponse.Status) -> Response {
        HostedPages.page("error", base(tenant, title: "This sign-in cannot go on") + ["message": message], status: status, nonce: nonce())
    }

    private func expired(_ tenant: Tenant) -> Response {
        errorPage(tenant, "This page has expired or was not sent from this site; start again from the application.", status: .badRequest)
    }

    /// A posted page's form, once its CSRF token matched the cookie and its sealed request opened; nils
    /// when either fails (the caller shows the expired page).
    private func page(_ request: Request, tenant: Tenant) async throws -> ([String: String]?, AuthorizationGrantRequest?) {
        let form = try await FormBody.decode(request)
        guard csrfMatches(form, request), let sealed = form["request"], let authorization = try? flow.open(sealed, tenantId: tenant.id)
        else { return (nil, nil) }
        return (form, authorization)
    }

    /// Double submit: the form's token is the browser's CSRF cookie (compared in constant time).
    private func csrfMatches(_ form: [String: String], _ request: Request) -> Bool {
        guard let sent = form["csrf"], let expected = cookie(request, csrfCookie), !expected.isEmpty else { return false }
        return Digest.constantTimeEquals(Array(sent.utf8), Array(expected.utf8))
    }

    private func base(_ tenant: Tenant, title: String) -> [String: Any] {
        ["title": title, "tenantName": tenant.projectName]
    }


    private func action(_ tenant: Tenant, _ step: String) -> String {
        tenant.isDefault ? "/oauth2/\(step)" : "/t/\(tenant.id)/oauth2/\(step)"
    }

    private func message(_ error: GatehouseError, default text: String) -> String {
        switch error.code {
        case .throttled: "Too many attempts. Wait a little and try again."
        case .forbidden: "This account cannot sign in."
        default: text
        }
    }

    private func nonce() -> String { random.token(bytes: 16) }

    // MARK: cookies

    private func ssoCookie(_ tenant: Tenant) -> String {
        (secure ? "__Host-" : "") + "gh-sso-" + tenant.id.replacingOccurrences(of: "-", with: "")
    }

    private var csrfCookie: String { (secure ? "__Host-" : "") + "gh-csrf" }

    private func cookie(_ request: Request, _ name: String) -> String? {
        request.cookies[name]?.value
    }

    /// The browser's CSRF token: the cookie's when it has one, else a new one and the header that sets it.
    private func csrfToken(_ request: Request) -> (String, String?) {
        if let existing = cookie(request, csrfCookie), existing.utf8.count == 43 { return (existing, nil) }
        let token = random.token(bytes: 32)
        return (token, setCookie(csrfCookie, token))
    }

    private func clearCookie(_ name: String) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// HttpOnly, SameSite=Lax (the redirect back from a client is a top-level GET that must carry it),
    /// `Secure` on https; host-only, path `/` (what the `__Host-` prefix demands).
    private func setCookie(_ name: String, _ value: String) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    private func tenant(_ context: AppRequestContext) async throws -> Tenant {
        try await tenants.issuerTenant(context)
    }
}

extension Dictionary where Key == String, Value == Any {
    fileprivate static func + (lhs: [String: Any], rhs: [String: Any]) -> [String: Any] {
        lhs.merging(rhs) { $1 }
    }
}
