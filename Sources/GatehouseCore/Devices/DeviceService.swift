import Crypto
import Foundation

/// Device-key ("biometric") registration and login (seed 004): the device proves possession of its
/// private key by signing a server challenge; the biometric gesture that unlocks the key happens on the
/// device. Challenges are 32 CSPRNG bytes, single-use, five minutes, bound to their session id, tenant and
/// purpose (and, to register, to the user's session and the key being registered). Login challenges are
/// sealed (`ChallengeSealer`); registration ones are stored with the key they will register.
public struct DeviceService: Sendable {
    let store: any GatehouseStore
    let sessions: SessionService
    let clock: any GatehouseClock
    let random: any RandomSource
    let events: EventRecorder
    let bruteForce: BruteForceGuard
    public let lastUsed: LastUsedRecorder
    let sealer: ChallengeSealer
    let stepUp: StepUp
    let enrolments: EnrolmentNotifier
    /// Parsed device keys by algorithm and text: parsing SPKI or PEM at every login showed in profiles.
    let keys = BoundedCache<DevicePublicKey>(capacity: 10_000)

    static let loginPurpose = "device-login"

    /// Devices tried for one fingerprint: a shared tablet may belong to a few users, never to many.
    static let maxCandidates = 8

    public static let invalidChallenge = GatehouseError(.invalidToken, "invalid, spent or expired challenge")
    static let badSignature = GatehouseError(.unauthorized, "signature does not verify")

    public struct Registration: Sendable {
        public var fingerprint: String
        public var name: String
        public var type: DeviceType
        public var algorithm: DeviceKeyAlgorithm
        public var publicKey: String
        public init(fingerprint: String, name: String, type: DeviceType, algorithm: DeviceKeyAlgorithm, publicKey: String) {
            self.fingerprint = fingerprint
            self.name = name
            self.type = type
            self.algorithm = algorithm
            self.publicKey = publicKey
        }
    }

    /// A challenge the new key must sign. A fingerprint the user already registered keeps its device id; the
    /// old key stays in force until the new one has proved possession. Needs a recent sign-in (step-up).
    public func beginRegistration(_ r: Registration, user: User, session: Principal) async throws -> DeviceChallenge {
        try stepUp.require(session)
        let sessionId = session.state.sessionId
        _ = try DevicePublicKey(r.publicKey, algorithm: r.algorithm)
        let now = clock.now
        let existing = try await store.device(tenantId: user.tenantId, userId: user.id, fingerprint: r.fingerprint)
        let deviceId = existing?.id ?? random.uuidString()
        let pending = Device(
            id: deviceId, tenantId: user.tenantId, userId: user.id, fingerprint: r.fingerprint, name: r.name, type: r.type,
            algorithm: r.algorithm, publicKey: r.publicKey.trimmingCharacters(in: .whitespacesAndNewlines),
            createdAt: now, updatedAt: now)
        let challenge = DeviceChallenge(
            id: random.uuidString(), tenantId: user.tenantId, challenge: random.token(bytes: 32), boundSessionId: sessionId,
            device: pending, expiresAt: now.addingTimeInterval(ChallengeSealer.lifetime))
        try await store.insertDeviceChallenge(challenge)
        return challenge
    }

    public func finishRegistration(challengeId: String, signature: String, user: User, sessionId: String) async throws
        -> Device
    {
        let now = clock.now
        guard let c = try await store.consumeDeviceChallenge(id: challengeId, tenantId: user.tenantId, at: now),
            c.device.userId == user.id, c.boundSessionId == sessionId, c.expiresAt > now
        else { throw Self.invalidChallenge }
        let pending = c.device
        let key = try DevicePublicKey(pending.publicKey, algorithm: pending.algorithm)
        guard key.verify(signature: signature, message: Array(c.challenge.utf8)) else {
            try await events.record(.deviceRegistrationFailed, tenantId: user.tenantId, subject: user.id, data: ["deviceId": .string(pending.id)])
            throw GatehouseError.field("signedChallenge", "does not verify with the submitted public key")
        }
        var device = pending
        device.updatedAt = now
        let registered = device
        let (stored, pushed) = try await store.unitOfWork { [events, enrolments] tx in
            let stored = try await tx.upsertDevice(registered)
            try await events.append(
                .deviceRegistered, tenantId: user.tenantId, subject: user.id,
                data: ["deviceId": .string(stored.id), "keyAlgorithm": .string(stored.algorithm.rawValue)], in: tx)
            let pushed = try await enrolments.enrolled(
                .deviceKey, id: stored.id, name: stored.name, user: user, exceptDevice: stored.id, in: tx)
            return (stored, pushed)
        }
        if pushed { enrolments.wakeup.signal() }
        return stored
    }

    /// A login challenge for a fingerprint, sealed into its session id: nothing is looked up or stored,
    /// so known and unknown devices get the same answer in the same time.
    public func loginChallenge(tenantId: String, fingerprint: String) -> (sessionId: String, challenge: String, expiresAt: Date) {
        let expiresAt = clock.now.addingTimeInterval(ChallengeSealer.lifetime)
        let (id, challenge) = sealer.seal(tenantId: tenantId, purpose: Self.loginPurpose, subject: fingerprint, expiresAt: expiresAt)
        return (id, challenge, expiresAt)
    }

    /// Finds the active device of the challenge's fingerprint whose key signed it and starts a session
    /// (`amr: ["hwk"]`); the challenge is spent in the session's own transaction, so it logs in once. A
    /// wrong signature counts against the fingerprint and the client address.
    public func authenticate(
        sessionId: String, signature: String, rememberMe: Bool, tenantId: String, clientAddress: String?
    ) async throws -> (User, Device, TokenPair) {
        let now = clock.now
        guard let c = sealer.open(sessionId, tenantId: tenantId, purpose: Self.loginPurpose), c.expiresAt > now else {
            throw Self.invalidChallenge
        }
        try await bruteForce.check(tenantId: tenantId, kind: "device", account: c.subject, address: clientAddress)
        let message = Array(c.challenge.utf8)
        let candidates = try await store.activeDevices(tenantId: tenantId, fingerprint: c.subject, limit: Self.maxCandidates)
        var signer: Device?
        for device in candidates {
            if let key = try? key(of: device),
                key.verify(signature: signature, message: message)
            {
                signer = device
                break
            }
        }
        guard let device = signer, let user = try await store.user(tenantId: tenantId, id: device.userId),
            user.status == .active
        else {
            let locked = try await bruteForce.failed(tenantId: tenantId, kind: "device", account: c.subject, address: clientAddress)
            try await events.record(.loginFailed, tenantId: tenantId, subject: signer?.userId, data: ["method": .string(LoginMethod.device.rawValue)])
            throw locked ?? Self.badSignature
        }
        var start = SessionService.Start(tenantId: tenantId, user: user, subject: user.id, level: .user, amr: ["hwk"])
        start.rememberMe = rememberMe
        start.event = events.draft(
            .loginSucceeded, subject: user.id,
            data: ["method": .string(LoginMethod.device.rawValue), "dialect": .string("enterprise"), "deviceId": .string(device.id)])
        start.preconditions = [.spendChallenge(key: c.challenge, expiresAt: c.expiresAt)]
        do {
            let (_, pair) = try await sessions.start(start)
            lastUsed.note(device.id, at: now)
            return (user, device, pair)
        } catch is SessionPreconditionFailed {
            throw Self.invalidChallenge
        }
    }

    func key(of device: Device) throws -> DevicePublicKey {
        try keys.value(device.algorithm.rawValue + ":" + device.publicKey) {
            try DevicePublicKey(device.publicKey, algorithm: device.algorithm)
        }
    }

    /// A fresh P-256 pair for a device that cannot make one itself: PKCS#8 DER and SPKI DER, base64. It is
    /// returned once and never stored or logged.
    public func generateKeyPair() -> (privateKey: String, publicKey: String) {
        while true {
            // A scalar of 32 random bytes is out of range with probability ~2⁻³²: draw again.
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: random.bytes(32)) else { continue }
            return (key.derRepresentation.base64EncodedString(), key.publicKey.derRepresentation.base64EncodedString())
        }
    }

    /// The user's devices with uses not yet written folded in.
    public func list(user: User) async throws -> [Device] {
        try await store.devices(tenantId: user.tenantId, userId: user.id).map { d in
            var device = d
            device.lastUsedAt = lastUsed.latest(d.id, stored: device.lastUsedAt)
            return device
        }
    }

    public func setFCMToken(user: User, deviceId: String, token: String) async throws {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            guard try await tx.setDeviceFCMToken(tenantId: user.tenantId, userId: user.id, deviceId: deviceId, token: token, at: now)
            else { throw GatehouseError.notFound("device") }
            try await events.append(
                .deviceFCMTokenSet, tenantId: user.tenantId, subject: user.id, data: ["deviceId": .string(deviceId)], in: tx)
        }
    }

    public func deactivate(user: User, deviceId: String) async throws {
        let now = clock.now
        try await store.unitOfWork { [events] tx in
            guard try await tx.deactivateDevice(tenantId: user.tenantId, userId: user.id, id: deviceId, at: now) else {
                throw GatehouseError.notFound("device")
            }
            try await events.append(
                .deviceDeactivated, tenantId: user.tenantId, subject: user.id, data: ["deviceId": .string(deviceId)], in: tx)
        }
    }
}
