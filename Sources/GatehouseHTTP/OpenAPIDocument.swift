/// `/openapi.yaml`. A test checks that every registered route appears here.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Gatehouse
  version: 0.1.0
  description: >-
    Multi-tenant authentication and authorization server. One engine, several API dialects. Every JSON
    body is refused with 400 when any of its strings holds U+0000, and identifiers (login names, emails,
    usernames, names) are refused with 400 when they hold a control character.
servers:
  - url: http://127.0.0.1:8080
components:
  securitySchemes:
    projectKey: {type: apiKey, in: header, name: x-project-key}
    apiKey: {type: apiKey, in: header, name: x-api-key}
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
  schemas:
    Audience:
      description: the aud value, or values, an identity provider's tokens carry for us; a token naming none of them is refused
      oneOf:
        - {type: string, minLength: 1, maxLength: 1024}
        - {type: array, minItems: 1, maxItems: 16, items: {type: string, minLength: 1, maxLength: 1024}}
    Error:
      type: object
      required: [error, code]
      properties:
        error: {type: string}
        code: {type: string}
        details: {type: object}
    TokenPair:
      type: object
      required: [accessToken, refreshToken]
      properties:
        accessToken: {type: string}
        refreshToken: {type: string}
    Tenant:
      type: object
      required: [projectName, acronym, id, createdAt]
      properties:
        projectName: {type: string}
        acronym: {type: string}
        id: {type: string}
        createdAt: {type: string, format: date-time}
        projectDescription: {type: string}
        projectWebsite: {type: string}
        projectEmail: {type: string}
        projectImageUrl: {type: string}
        projectApiKey: {type: string}
        testnetProjectApiKey: {type: string}
        stripeApiKey: {type: string}
        stripeWebhookSecret: {type: string}
        stripePublishableKey: {type: string}
        loginToken: {type: string}
        allowJWTForUnauthenticatedUsers: {type: boolean}
        firebaseTenantId: {type: string}
        defaultWalletManagementType: {type: string, enum: [custodial, non-custodial]}
        requireMfa: {type: boolean, description: every password login must pass TOTP}
        webauthnRpId: {type: string, description: 'passkey relying party id (default: host of the public URL)'}
        webauthnRpName: {type: string, description: 'default: projectName'}
        webauthnOrigins: {type: array, items: {type: string}, description: 'allowed origins (default: the public URL origin)'}
        webauthnUserVerification: {type: string, enum: [required, preferred]}
        webauthnAttestation: {type: string, enum: [none, direct]}
        jwt: {type: string}
        apiPrivateKey: {type: string}
    Tokens:
      type: object
      properties:
        accessToken: {type: string}
        accessTokenExpiresAt: {type: string, format: date-time}
        refreshToken: {type: string}
        refreshTokenExpiresAt: {type: string, format: date-time}
        signature: {type: string}
    Device:
      type: object
      properties:
        id: {type: string, format: uuid}
        userId: {type: integer, description: the user's integer id}
        deviceFingerprint: {type: string}
        deviceName: {type: string}
        deviceType: {type: string, enum: [mobile, desktop, tablet]}
        keyAlgorithm: {type: string, enum: [ES256, RS256, PS256]}
        publicKey: {type: string}
        fcmToken: {type: string}
        isActive: {type: boolean}
        createdAt: {type: string, format: date-time}
        updatedAt: {type: string, format: date-time}
        lastUsedAt: {type: string, format: date-time}
    SignedChallenge:
      type: object
      required: [sessionId, signedChallenge]
      properties:
        sessionId: {type: string, description: 'opaque: a UUID for registrations, a sealed token for logins'}
        signedChallenge: {type: string, description: base64 signature over the UTF-8 bytes of the challenge (ES256 DER or raw r||s, RS256, PS256)}
        rememberMe: {type: boolean, description: refresh token lives 30 days}
    ConfirmationOutcome:
      type: object
      properties:
        confirmationId: {type: string}
        status: {type: string, enum: [pending, approved, rejected, expired]}
        success: {type: boolean}
  responses:
    Error:
      description: Error
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
paths:
  /health/live:
    get:
      summary: Liveness
      responses: {'200': {description: alive}}
  /health/ready:
    get:
      summary: Readiness (database reachable and migrated)
      responses: {'200': {description: ready}, '503': {$ref: '#/components/responses/Error'}}
  /metrics:
    get:
      summary: Prometheus metrics
      responses: {'200': {description: text exposition}}
  /openapi.yaml:
    get:
      summary: This document
      responses: {'200': {description: OpenAPI 3.1}}
  /.well-known/jwks.json:
    get:
      summary: JWKS of the default tenant
      responses: {'200': {description: JWKS}}
  /t/{tenantId}/.well-known/jwks.json:
    get:
      summary: JWKS of a tenant
      parameters: [{name: tenantId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: JWKS}, '404': {$ref: '#/components/responses/Error'}}
  /v2/auth/token:
    post:
      summary: Exchange an identity provider token (or API key, or rawLoginData) for our tokens
      security: [{projectKey: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                authToken: {type: string}
                authType: {type: string, enum: [user, business, tenant, system, external], default: user}
                context:
                  type: object
                  properties: {businessId: {type: string}, tenantId: {type: string}}
                rawLoginData: {type: object}
      responses:
        '200': {description: tokens, content: {application/json: {schema: {$ref: '#/components/schemas/TokenPair'}}}}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Error'}
        '409': {$ref: '#/components/responses/Error'}
        '429': {description: 'too many failed exchanges from this client address; Retry-After says when to try again', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  /v2/auth/refresh:
    post:
      summary: Rotate a refresh token
      description: >-
        A spent refresh token presented again within 10 seconds, while its successor is unused, answers the
        same successor pair only to the client that spent it: the accessToken issued together with the spent
        refresh token when one is sent, else the same client address and User-Agent. Anything else is reuse
        and revokes the session. Every refresh re-reads the user's status, membership and admin right.
      security: [{projectKey: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [refreshToken]
              properties: {refreshToken: {type: string}, accessToken: {type: string}}
      responses:
        '200': {description: tokens, content: {application/json: {schema: {$ref: '#/components/schemas/TokenPair'}}}}
        '401': {$ref: '#/components/responses/Error'}
  /v2/auth/verify:
    post:
      summary: Verify one of our tokens or a tenant identity provider's token
      security: [{projectKey: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [authToken], properties: {authToken: {type: string}}}
      responses:
        '200':
          description: verification result (valid false for a bad token)
          content:
            application/json:
              schema:
                type: object
                properties:
                  valid: {type: boolean}
                  payload: {type: [object, 'null']}
                  tenantId: {type: [string, 'null']}
                  identifierEmail: {type: [string, 'null']}
                  errorMessage: {type: [string, 'null']}
  /v2/tenants:
    post:
      summary: Create a tenant (system API key)
      security: [{apiKey: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [projectName], properties: {projectName: {type: string}}}}}
      responses:
        '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Tenant'}}}}
        '401': {$ref: '#/components/responses/Error'}
    put:
      summary: Update tenant settings (tenant admin)
      security: [{bearer: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Tenant'}}}
      responses:
        '200': {description: updated, content: {application/json: {schema: {$ref: '#/components/schemas/Tenant'}}}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Error'}
  /v2/tenants/client-config:
    get:
      summary: Client configuration
      security: [{projectKey: []}]
      responses: {'200': {description: client config}}
  /v2/tenants/login-token:
    get:
      summary: The tenant's login token
      security: [{projectKey: []}]
      responses: {'200': {description: a JSON string}}
  /v2/tenants/me:
    get:
      summary: Current tenant
      security: [{projectKey: []}]
      responses: {'200': {description: tenant, content: {application/json: {schema: {$ref: '#/components/schemas/Tenant'}}}}}
  /v2/tenants/{id}:
    get:
      summary: Tenant by id; data level by caller (none, project key, admin JWT)
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: tenant}, '404': {$ref: '#/components/responses/Error'}}
  /v2/businesses:
    get: {summary: 'List businesses', security: [{bearer: []}], responses: {'200': {description: page}}}
    post: {summary: 'Create a business', security: [{bearer: []}], responses: {'201': {description: created}}}
  /v2/businesses/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {summary: 'Get a business', security: [{bearer: []}], responses: {'200': {description: business}}}
    delete: {summary: 'Delete a business', security: [{bearer: []}], responses: {'204': {description: deleted}}}
  /v2/businesses/{id}/memberships:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {summary: 'List memberships', security: [{bearer: []}], responses: {'200': {description: list}}}
    post: {summary: 'Add a member {userId, role}', security: [{bearer: []}], responses: {'201': {description: created}}}
  /v2/businesses/{id}/memberships/{userId}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: userId, in: path, required: true, schema: {type: string}}
    delete: {summary: 'Remove a member', security: [{bearer: []}], responses: {'204': {description: deleted}}}
  /v2/admins:
    get: {summary: 'List tenant admins', security: [{bearer: []}], responses: {'200': {description: list}}}
    post: {summary: 'Make a user tenant admin {userId}', security: [{bearer: []}], responses: {'201': {description: created}}}
  /v2/admins/{userId}:
    parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
    delete: {summary: 'Remove a tenant admin', security: [{bearer: []}], responses: {'204': {description: deleted}}}
  /v2/identity-providers:
    get: {summary: 'List identity providers', security: [{bearer: []}], responses: {'200': {description: list}}}
    post:
      summary: Register an identity provider
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [issuer, audience]
              properties:
                issuer: {type: string}
                jwks: {type: object}
                jwksUri: {type: string}
                audience: {$ref: '#/components/schemas/Audience'}
                algorithms: {type: array, items: {type: string, enum: [EdDSA, ES256, RS256]}}
                emailClaim: {type: string, default: email}
      responses: {'201': {description: created}, '400': {$ref: '#/components/responses/Error'}}
  /v2/identity-providers/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {summary: 'Get an identity provider', security: [{bearer: []}], responses: {'200': {description: provider}}}
    patch:
      summary: Set the audiences a provider's tokens must name (one of); a provider without one refuses every token
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [audience]
              properties:
                audience: {$ref: '#/components/schemas/Audience'}
      responses: {'200': {description: 'the provider; audience is always a list'}, '400': {$ref: '#/components/responses/Error'}, '404': {$ref: '#/components/responses/Error'}}
    delete: {summary: 'Delete an identity provider', security: [{bearer: []}], responses: {'204': {description: deleted}}}
  /v2/users:
    get:
      summary: List users (cursor pagination; ?email= filters)
      security: [{bearer: []}]
      parameters:
        - {name: email, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses: {'200': {description: page}}
    post:
      summary: Create a local user {email?, username?, password?, isSuperAdmin?, department?, employee?}
      security: [{bearer: []}]
      responses: {'201': {description: user}, '409': {$ref: '#/components/responses/Error'}}
  /v2/users/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {summary: 'Get a user (admin, or the user themselves)', security: [{bearer: []}], responses: {'200': {description: user}}}
    put:
      summary: Update email, username, isSuperAdmin, department, employee, status (active/disabled), resetMfa
      security: [{bearer: []}]
      responses: {'200': {description: user}, '409': {$ref: '#/components/responses/Error'}}
    delete: {summary: 'Delete a user (revokes their sessions)', security: [{bearer: []}], responses: {'204': {description: deleted}}}
  /v2/users/{id}/password:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post: {summary: 'Set a user''s password', security: [{bearer: []}], responses: {'204': {description: set}}}
  /api/v1/auth/login:
    post:
      summary: Classic username/password login (seed 003)
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [username, password], properties: {username: {type: string}, password: {type: string}}}
      responses:
        '200':
          description: token
          content:
            application/json:
              schema:
                type: object
                properties:
                  token: {type: string}
                  expires_in: {type: integer}
                  refreshToken: {type: string}
                  user: {type: object, properties: {id: {type: string}, username: {type: string}, email: {type: string}}}
        '401':
          description: >-
            {"error":"Invalid credentials"}; or, for a user who must also give a TOTP code (enrolled, or the
            tenant requires MFA), {"error":"MFA required","code":"MFA_REQUIRED"}: such users sign in at /auth/login.
          content:
            application/json:
              schema: {type: object, required: [error], properties: {error: {type: string}, code: {type: string, enum: [MFA_REQUIRED]}}}
        '429': {description: 'too many attempts for this account or address; Retry-After says when to try again'}
  /api/v1/auth/refresh:
    post:
      summary: Classic refresh (rotates the refresh token)
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [refreshToken], properties: {refreshToken: {type: string}}}}}
      responses:
        '200': {description: '{token, expires_in, refreshToken}'}
        '401': {description: '{"error":"Invalid or expired refresh token"}'}
  /api/v1/auth/logout:
    post:
      summary: Revoke the caller's session
      security: [{bearer: []}]
      responses:
        '200': {description: '{"message":"Successfully logged out"}'}
        '401': {description: '{"error":"Authentication required"}'}
  /api/v1/auth/keys:
    post:
      summary: Create an API key (shown once); needs a recent sign-in, and an API key cannot create keys
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 255}
                expiresAt: {type: string, format: date-time, description: the key is refused from then on}
      responses:
        '201': {description: '{keyId, apiKey, name, createdAt, expiresAt?}'}
        '400': {description: '{"error":"..."}: a missing name, or an expiresAt that is not a future RFC 3339 time'}
        '401': {description: '{"error":"Authentication required"}, or {"error":"Recent sign-in required","code":"STEP_UP_REQUIRED"} when the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE'}
        '403': {description: '{"error":"..."}: an API key cannot manage API keys'}
    get:
      summary: List the caller's API keys (never the key); not with an API key
      security: [{bearer: []}]
      responses:
        '200': {description: '[{keyId, name, createdAt, lastUsed, expiresAt?}]'}
        '403': {description: '{"error":"..."}: an API key cannot manage API keys'}
  /api/v1/auth/keys/{keyId}:
    parameters: [{name: keyId, in: path, required: true, schema: {type: string}}]
    delete:
      summary: Delete one of the caller's API keys; not with an API key
      security: [{bearer: []}]
      responses:
        '204': {description: deleted}
        '403': {description: '{"error":"..."}: an API key cannot manage API keys'}
        '404': {description: '{"error":"API key not found"}'}
  /auth/login:
    post:
      summary: Enterprise email/password login (seed 004)
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [email, password], properties: {email: {type: string}, password: {type: string}}}
      responses:
        '200':
          description: '{registerOtp, token, tokens}'
          content:
            application/json:
              schema:
                type: object
                properties:
                  registerOtp: {type: boolean}
                  token: {type: string}
                  tokens: {$ref: '#/components/schemas/Tokens'}
        '401': {$ref: '#/components/responses/Error'}
        '429': {$ref: '#/components/responses/Error'}
  /auth/refresh:
    post:
      summary: Rotate a refresh token; returns Tokens
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [refreshToken], properties: {refreshToken: {type: string}}}}}
      responses:
        '200': {description: Tokens, content: {application/json: {schema: {$ref: '#/components/schemas/Tokens'}}}}
        '401': {$ref: '#/components/responses/Error'}
  /auth/profile:
    get:
      summary: The caller's profile with effective permissions and a file-access signature
      security: [{bearer: []}, {apiKey: []}]
      responses:
        '200':
          description: profile
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: integer}
                  email: {type: string}
                  isSuperAdmin: {type: boolean}
                  mfaEnabled: {type: boolean}
                  permissions: {type: array, items: {type: string}}
                  department: {type: object, properties: {id: {type: string}, name: {type: string}}}
                  employee: {type: object, properties: {id: {type: string}, name: {type: string}, avatarFileId: {type: string}}}
                  signature: {type: string}
  /auth/sessions:
    get:
      summary: The caller's active sessions
      security: [{bearer: []}]
      responses: {'200': {description: '[{id, createdAt, expiresAt, amr, level, current}]'}}
  /auth/sessions/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    delete:
      summary: Revoke one of the caller's sessions
      security: [{bearer: []}]
      responses: {'204': {description: revoked}, '404': {$ref: '#/components/responses/Error'}}
  /auth/otp/setup:
    post:
      summary: Start TOTP enrollment (MFA-pending token, or an access token of a recent sign-in) -> {secret (base32), otpauthUrl, qrSvg}
      security: [{bearer: []}]
      responses: {'200': {description: '{secret, otpauthUrl, qrSvg}'}, '401': {description: 'no valid token, or code STEP_UP_REQUIRED: the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}, '409': {$ref: '#/components/responses/Error'}}
  /auth/otp/verify:
    post:
      summary: Complete a login with a TOTP code (MFA-pending token); confirms enrollment on first success
      security: [{bearer: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [otp], properties: {otp: {type: string}}}}}
      responses: {'200': {description: Tokens, content: {application/json: {schema: {$ref: '#/components/schemas/Tokens'}}}}, '401': {$ref: '#/components/responses/Error'}}
  /auth/otp/verify-service:
    post:
      summary: A service checks a user's TOTP code (tenant API private key in x-api-key)
      security: [{apiKey: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [otp, userId], properties: {otp: {type: string}, userId: {type: integer}}}}}
      responses: {'200': {description: '{userId, valid}'}}
  /auth/signature/verify:
    post:
      summary: Check a file-access signature for a user (the integer id)
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [signature, userId], properties: {signature: {type: string}, userId: {type: integer}}}
      responses: {'200': {description: '{valid}'}}
  /auth/biometric/register/challenge:
    post:
      summary: Start registering a device key (challenge bound to the caller's session; 5 minutes, single use)
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [deviceFingerprint, deviceName, deviceType, keyAlgorithm, publicKey]
              properties:
                deviceFingerprint: {type: string, maxLength: 255}
                deviceName: {type: string, maxLength: 255}
                deviceType: {type: string, enum: [mobile, desktop, tablet]}
                keyAlgorithm: {type: string, enum: [ES256, RS256, PS256]}
                publicKey: {type: string, description: base64 SPKI DER, base64 raw uncompressed P-256 point, or PEM}
      responses: {'200': {description: '{challenge, deviceId, expiresAt, sessionId}'}, '400': {$ref: '#/components/responses/Error'}, '401': {description: 'no valid token, or code STEP_UP_REQUIRED: the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}}
  /auth/biometric/register/verify:
    post:
      summary: Finish registration with the challenge signed by the new key
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/SignedChallenge'}}}}
      responses: {'200': {description: '{device, deviceId, success}'}, '401': {$ref: '#/components/responses/Error'}}
  /auth/biometric/challenge:
    post:
      summary: A login challenge for a device fingerprint (same answer for unknown devices)
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [deviceFingerprint], properties: {deviceFingerprint: {type: string}}}}}}
      responses: {'200': {description: '{challenge, expiresAt, sessionId}'}}
  /auth/biometric/authenticate:
    post:
      summary: Device login with the signed challenge (amr hwk)
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/SignedChallenge'}}}}
      responses: {'200': {description: '{success, tokens}'}, '401': {$ref: '#/components/responses/Error'}, '429': {$ref: '#/components/responses/Error'}}
  /auth/biometric/refresh:
    post:
      summary: Rotate a refresh token
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [refreshToken], properties: {refreshToken: {type: string}}}}}}
      responses: {'200': {description: '{success, tokens}'}}
  /auth/biometric/keys:
    post:
      summary: A fresh P-256 key pair (PKCS#8 and SPKI DER, base64), returned once and never stored
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [keyAlgorithm], properties: {keyAlgorithm: {type: string, enum: [ES256]}, keyName: {type: string}}}}}}
      responses: {'200': {description: '{curve, keyAlgorithm, privateKey, publicKey}'}}
  /auth/biometric/devices:
    get:
      summary: The caller's devices
      security: [{bearer: []}]
      responses: {'200': {description: devices, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Device'}}}}}}
  /auth/biometric/devices/fcm-token:
    put:
      summary: Set a device's Firebase Cloud Messaging token
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [deviceId, fcmToken], properties: {deviceId: {type: string}, fcmToken: {type: string, maxLength: 255}}}}}}
      responses: {'200': {description: '{message, success}'}, '404': {$ref: '#/components/responses/Error'}}
  /auth/biometric/devices/{id}:
    delete:
      summary: Deactivate one of the caller's devices
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: '{message, success}'}, '404': {$ref: '#/components/responses/Error'}}
  /auth/confirmations:
    post:
      summary: Ask the user to approve an action; pushes to their devices with an FCM token
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [actionType], properties: {actionType: {type: string, maxLength: 100}, actionPayload: {type: object, description: at most 16 KiB}}}
      responses: {'201': {description: '{challenge, confirmationId, expiresAt}'}}
  /auth/confirmations/{id}:
    get:
      summary: A confirmation's status (pending, approved, rejected, expired)
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: '{actionPayload, actionType, confirmationId, createdAt, expiresAt, status, updatedAt}'}}
  /auth/confirmations/{id}/approve:
    post:
      summary: Approve with the challenge signed by one of the owner's active devices (once; 409 when not pending)
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [deviceId, signedChallenge], properties: {deviceId: {type: string}, signedChallenge: {type: string}}}}}}
      responses: {'200': {description: outcome, content: {application/json: {schema: {$ref: '#/components/schemas/ConfirmationOutcome'}}}}, '409': {$ref: '#/components/responses/Error'}}
  /auth/confirmations/{id}/reject:
    post:
      summary: Reject a pending confirmation
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody: {required: false, content: {application/json: {schema: {type: object, properties: {reason: {type: string, maxLength: 500}}}}}}
      responses: {'200': {description: outcome, content: {application/json: {schema: {$ref: '#/components/schemas/ConfirmationOutcome'}}}}, '409': {$ref: '#/components/responses/Error'}}
  /auth/webauthn/check:
    post:
      summary: Whether the user with this email has an active passkey
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [email], properties: {email: {type: string}}}}}}
      responses: {'200': {description: '{hasPasskeys}'}}
  /auth/webauthn/register/start:
    post:
      summary: PublicKeyCredentialCreationOptionsJSON for a new passkey (challenge bound to the caller's session; 5 minutes)
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {name: {type: string, maxLength: 255}}}}}}
      responses: {'200': {description: '{publicKey, sessionId}'}, '401': {description: 'no valid token, or code STEP_UP_REQUIRED: the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}}
  /auth/webauthn/register/finish:
    post:
      summary: Verify the RegistrationResponseJSON (attestation none or packed) and store the passkey
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [sessionId, response], properties: {sessionId: {type: string}, response: {type: object}}}}}}
      responses: {'200': {description: '{credential, credentialId, success}'}, '400': {$ref: '#/components/responses/Error'}, '401': {$ref: '#/components/responses/Error'}, '409': {$ref: '#/components/responses/Error'}}
  /auth/webauthn/login/start:
    post:
      summary: PublicKeyCredentialRequestOptionsJSON; without email, a discoverable-credential login (empty allowCredentials)
      requestBody: {required: false, content: {application/json: {schema: {type: object, properties: {email: {type: string}}}}}}
      responses: {'200': {description: '{publicKey, sessionId}'}}
  /auth/webauthn/login/finish:
    post:
      summary: Verify the AuthenticationResponseJSON and issue tokens (amr webauthn)
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [sessionId, response], properties: {sessionId: {type: string}, response: {type: object}, rememberMe: {type: boolean}}}}}}
      responses: {'200': {description: '{success, tokens}'}, '401': {$ref: '#/components/responses/Error'}}
  /auth/webauthn/credentials:
    get:
      summary: The caller's passkeys
      security: [{bearer: []}]
      responses: {'200': {description: '{credentials:[{id, credentialId, name, createdAt, lastUsedAt, isActive, transportFlags, backupEligible, backedUp, attestationType, cloneWarning}]}'}}
  /auth/webauthn/credentials/{id}:
    patch:
      summary: Rename a passkey
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string, maxLength: 255}}}}}}
      responses: {'200': {description: '{message, success}'}, '404': {$ref: '#/components/responses/Error'}}
    delete:
      summary: Delete a passkey
      security: [{bearer: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: deleted}, '404': {$ref: '#/components/responses/Error'}}
  /auth/webauthn/prompt:
    put:
      summary: Store the user's answer to the "create a passkey?" prompt (shown as passkeyPrompt in /auth/profile)
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: {type: object, required: [status], properties: {status: {type: string, enum: [pending, accepted, declined, dismissed]}}}}}}
      responses: {'200': {description: '{message, success}'}}
  /v2/events:
    get: {summary: 'The tenant''s hash-chained audit log', security: [{bearer: []}], responses: {'200': {description: page}}}
"""#
}
