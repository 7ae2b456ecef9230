import Foundation

/// Who calls a user-facing act: an access token with a live session, or one of the user's API keys
/// (which acts as its owner). The engine's rules (step-up, what an API key may do) read it.
public enum Caller: Sendable {
    case token(Principal, User)
    case apiKey(APIKey, User)

    public var user: User {
        switch self {
        case .token(_, let u), .apiKey(_, let u): u
        }
    }

    /// The signed-in user and their session, for an act an API key may not do (403 otherwise).
    public func signedIn(toDo act: String) throws -> (Principal, User) {
        guard case .token(let principal, let user) = self else {
            throw GatehouseError(.forbidden, "an API key cannot \(act); use a user access token")
        }
        return (principal, user)
    }

    public var sessionId: String? {
        if case .token(let p, _) = self { return p.state.sessionId }
        return nil
    }
}
