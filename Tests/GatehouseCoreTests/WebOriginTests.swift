import GatehouseCore
import Testing

/// Origins as browsers serialize them (RFC 6454 §6.2): what CORS and WebAuthn compare by exact text.
@Suite struct WebOriginTests {
    @Test func serializedFormIsWhatBrowsersSend() {
        let cases: [(String, String)] = [
            ("https://app.example.com", "https://app.example.com"),
            ("HTTPS://App.Example.COM", "https://app.example.com"),
            ("https://app.example.com/", "https://app.example.com"),
            ("https://app.example.com:443", "https://app.example.com"),
            ("https://app.example.com:8443", "https://app.example.com:8443"),
            ("http://localhost:5173", "http://localhost:5173"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://app.localhost", "http://app.localhost"),
            ("http://localhost:80", "http://localhost"),
        ]
        for (text, serialized) in cases {
            #expect(WebOrigin(text)?.serialized == serialized, "\(text)")
        }
    }

    @Test func whatIsNotAnOriginIsRefused() {
        let refused = [
            "*", "null", "", "app.example.com", "https://", "https://*.example.com", "https://app.example.com/path",
            "https://app.example.com?x=1", "https://app.example.com#f", "https://user@app.example.com",
            "http://app.example.com", "ftp://app.example.com", "javascript:alert(1)", "https://app.example.com\n",
            "https://app.exa mple.com", "https://" + String(repeating: "a", count: 2100) + ".com",
        ]
        for text in refused { #expect(WebOrigin(text) == nil, "\(text.prefix(40)) should be refused") }
    }

    @Test func aListIsSerializedOnceEachOrNamesTheBadEntry() throws {
        #expect(
            try WebOrigin.serializedList(["https://a.example", "HTTPS://A.example/", "http://localhost:3000"], field: "corsOrigins")
                == ["https://a.example", "http://localhost:3000"])
        #expect(throws: GatehouseError.self) { try WebOrigin.serializedList(["https://a.example", "*"], field: "corsOrigins") }
    }
}
