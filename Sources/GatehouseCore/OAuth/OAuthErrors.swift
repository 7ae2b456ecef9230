/// RFC 6749 §5.2 error codes, carried as the reason of the engine's one error type; the OAuth dialect's
/// renderer writes them, the other dialects fall back on the code.
extension GatehouseError {
    public static func oauth(_ reason: Reason, _ message: String) -> GatehouseError {
        GatehouseError(reason == .invalidClient ? .unauthorized : .invalidRequest, message, reason: reason)
    }
}
