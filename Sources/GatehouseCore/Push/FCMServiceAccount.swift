import Crypto
import Foundation
import _CryptoExtras

/// A Google service account (the JSON file Firebase hands out) and the signed JWT assertion that is
/// exchanged for an OAuth access token to call FCM HTTP v1 (RFC 7523 JWT bearer grant).
public struct FCMServiceAccount: Sendable {
    public let projectId: String
    public let clientEmail: String
    public let tokenURI: String
    let privateKeyId: String?
    let privateKey: _RSA.Signing.PrivateKey

    public static let scope = "https://www.googleapis.com/auth/firebase.messaging"

    struct File: Decodable {
        var project_id: String?
        var client_email: String?
        var private_key: String?
        var private_key_id: String?
        var token_uri: String?
    }

    /// Parses the credentials file; `tokenURI` overrides the file's `token_uri` (tests point it at loopback).
    public init(json: [UInt8], tokenURI override: String? = nil) throws {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json))
        } catch {
            throw GatehouseError(.invalidRequest, "FCM credentials are not a service-account JSON file")
        }
        guard let projectId = file.project_id, !projectId.isEmpty, let email = file.client_email, !email.isEmpty,
            let pem = file.private_key
        else { throw GatehouseError(.invalidRequest, "FCM credentials need project_id, client_email and private_key") }
        guard let tokenURI = override ?? file.token_uri, !tokenURI.isEmpty else {
            throw GatehouseError(.invalidRequest, "FCM credentials need token_uri")
        }
        do {
            privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw GatehouseError(.invalidRequest, "FCM credentials: private_key is not an RSA private key in PEM")
        }
        self.projectId = projectId
        self.clientEmail = email
        self.tokenURI = tokenURI
        self.privateKeyId = file.private_key_id
    }

    /// The RS256 JWT assertion, valid for an hour from `now`.
    public func assertion(now: Date) throws -> String {
        var header = JSONWriter()
        header.field("alg", "RS256")
        header.field("typ", "JWT")
        header.field("kid", privateKeyId)
        var claims = JSONWriter()
        let iat = Int64(now.timeIntervalSince1970)
        claims.field("iss", clientEmail)
        claims.field("scope", Self.scope)
        claims.field("aud", tokenURI)
        claims.field("iat", iat)
        claims.field("exp", iat + 3600)
        let input = Base64URL.encode(header.finished()) + "." + Base64URL.encode(claims.finished())
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
