import Foundation
import GatehouseCore
import Testing

@testable import GatehouseHTTP

/// `application/x-www-form-urlencoded` as the OAuth 2.0 endpoints read it (RFC 6749 §3.2, WHATWG URL's
/// form parser): `+` is a space, `%XX` a byte, the result UTF-8; a parameter given twice, a malformed escape
/// and a NUL are refused; empty pairs are skipped.
@Suite struct FormBodyTests {
    @Test func decodesPlusPercentAndUTF8() throws {
        let form = try FormBody.parse("grant_type=client_credentials&scope=read+write&client_id=a%2Bb%3Dc&note=caf%C3%A9&raw=café")
        #expect(form == ["grant_type": "client_credentials", "scope": "read write", "client_id": "a+b=c", "note": "café", "raw": "café"])
    }

    @Test func keepsEmptyValuesAndSkipsEmptyPairsAndNames() throws {
        #expect(try FormBody.parse("a=&&b&=orphan&c=1=2") == ["a": "", "b": "", "c": "1=2"])
        #expect(try FormBody.parse("") == [:])
    }

    @Test func refusesMalformedEscapesAndInvalidUTF8() {
        for text in ["a=%ZZ", "a=%4", "a=%", "%G0=x", "a=%C3", "a=%FF%FE"] {
            #expect(throws: GatehouseError.self, "\(text)") { try FormBody.parse(text) }
        }
    }

    @Test func refusesRepeatsAndNUL() {
        #expect(throws: GatehouseError.self) { try FormBody.parse("token=a&token=b") }
        #expect(throws: GatehouseError.self) { try FormBody.parse("token=a%00b") }
        #expect(throws: GatehouseError.self) { try FormBody.parse("to%00ken=a") }
    }

    @Test func refusesRawBytesThatAreNotUTF8() {
        #expect(throws: GatehouseError.self) { try FormBody.parse(bytes: [0x61, 0x3D, 0xFF]) }
    }

    /// RFC 6749 §2.3.1: the Basic credentials are the form-encoded id and secret.
    @Test func basicCredentialsAreFormDecoded() throws {
        let header = "Basic " + Data("id%3Aone:s+e%25cret".utf8).base64EncodedString()
        let (id, secret) = try #require(FormBody.basicCredentials(header))
        #expect(id == "id:one" && secret == "s e%cret")
        #expect(FormBody.basicCredentials("basic   " + Data("a:b".utf8).base64EncodedString() + " ")! == ("a", "b"))
        for bad in ["Basic", "Basic !!!", "Basic " + Data("no-colon".utf8).base64EncodedString(), "Basic " + Data("a:%ZZ".utf8).base64EncodedString()] {
            #expect(FormBody.basicCredentials(bad) == nil, "\(bad)")
        }
    }
}

/// Authentication schemes are case-insensitive and may be followed by several spaces (RFC 9110 §11.4).
@Suite struct HeaderTextTests {
    static let bearer = Array("bearer".utf8)

    @Test func credentialsFollowTheScheme() {
        #expect(HeaderText.credentials("Bearer abc", scheme: Self.bearer) == "abc")
        #expect(HeaderText.credentials("  bEaReR \t abc.def  \t", scheme: Self.bearer) == "abc.def")
        for other in ["Bearer", "Bearer   ", "Bearerabc", "Basic abc", "", "Bear abc", "Bearér abc"] {
            #expect(HeaderText.credentials(other, scheme: Self.bearer) == nil, "\(other)")
        }
    }

    @Test func prefixesIgnoreCaseOfLettersOnly() {
        let form = Array("application/x-www-form-urlencoded".utf8)
        #expect(HeaderText.hasPrefixIgnoringCase("Application/X-WWW-Form-URLEncoded; charset=utf-8", form))
        #expect(!HeaderText.hasPrefixIgnoringCase("application/x-www-form-urlencode", form))
        #expect(!HeaderText.hasPrefixIgnoringCase("application\u{0F}x-www-form-urlencoded", form))
    }
}
