/// Why a ceremony failed. Every case becomes a 400/401 with this reason: none of it is secret, and a
/// precise reason is what an integrator debugging a passkey flow needs.
public enum WebAuthnError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case verification(String)
    case unsupported(String)
    /// Step 25 of §7.2: the signature counter went backwards (a cloned authenticator, perhaps).
    case counterRegression

    public var description: String {
        switch self {
        case .malformed(let s), .verification(let s), .unsupported(let s): s
        case .counterRegression: "signature counter did not increase: the authenticator may be cloned"
        }
    }
}
