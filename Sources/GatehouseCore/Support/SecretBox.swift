import Crypto
import Foundation

/// AES-256-GCM with the server master key, for secrets that must be readable again (signing keys, TOTP
/// seeds, tenant integration secrets). Output is `v1.<base64url(nonce‖ciphertext‖tag)>`.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(masterKey: [UInt8]) throws {
        guard masterKey.count == 32 else {
            throw GatehouseError(.invalidRequest, "master key must be 32 bytes")
        }
        key = SymmetricKey(data: masterKey)
    }

    public func seal(_ plaintext: [UInt8], context: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw GatehouseError(.internalError, "sealing failed") }
        return "v1." + Base64URL.encode(combined)
    }

    public func seal(_ text: String, context: String) throws -> String {
        try seal(Array(text.utf8), context: context)
    }

    /// `context` binds a ciphertext to its row (e.g. the kid), so a value copied to another row fails to open.
    public func open(_ sealed: String, context: String) throws -> [UInt8] {
        guard sealed.hasPrefix("v1."), let raw = Base64URL.decode(sealed.dropFirst(3)) else {
            throw GatehouseError(.internalError, "sealed value is malformed")
        }
        let box = try AES.GCM.SealedBox(combined: raw)
        return Array(try AES.GCM.open(box, using: key, authenticating: Array(context.utf8)))
    }

    public func openString(_ sealed: String, context: String) throws -> String {
        String(decoding: try open(sealed, context: context), as: UTF8.self)
    }
}
