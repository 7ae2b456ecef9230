import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The authorization server's HTML pages (sign-in, two-step code, consent, errors), rendered from the
/// Mustache templates in the package's resources, with the headers every such page carries: a content
/// security policy allowing nothing but the page's own style (by nonce) and form posts to this server and
/// to the client's redirect origin, no framing, no referrer, no caching.
enum HostedPages {
    static let names = ["head", "foot", "login", "otp", "enrol", "consent", "error", "logout"]

    static let library: Result<MustacheLibrary, any Error> = Result {
        MustacheContentTypes.register(PageHTML(), named: PageHTML.name)
        var templates: [String: MustacheTemplate] = [:]
        for name in names {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates") else {
                throw GatehouseError(.internalError, "template \(name) is missing from the package's resources")
            }
            templates[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(PageHTML.name) }}" + String(contentsOf: url, encoding: .utf8))
        }
        return MustacheLibrary(templates: templates)
    }

    /// An HTML answer: the template rendered with `values` (which gets the nonce), and the page headers.
    static func page(
        _ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok, formTargets: [String] = [], nonce: String
    ) -> Response {
        var context = values
        context["nonce"] = nonce
        let html: String
        switch library {
        case .success(let library):
            html = library.render(context, withTemplate: template) ?? "<!doctype html><title>Error</title><p>This page cannot be shown."
        case .failure:
            html = "<!doctype html><title>Error</title><p>This page cannot be shown."
        }
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        secure(&response.headers, nonce: nonce, formTargets: formTargets)
        return response
    }

    /// A redirect from a page (RFC 9700 §4.12: 303 after a POST, so the browser does not post again).
    static func redirect(_ location: String, status: HTTPResponse.Status = .seeOther) -> Response {
        var response = Response(status: status, headers: [.location: location])
        secure(&response.headers, nonce: nil, formTargets: [])
        return response
    }

    static func secure(_ headers: inout HTTPFields, nonce: String?, formTargets: [String]) {
        // Inline style and script only by the page's nonce (the passkey button's script is the one script).
        let style = nonce.map { "style-src 'nonce-\($0)'; script-src 'nonce-\($0)'; " } ?? ""
        let forms = (["'self'"] + formTargets).joined(separator: " ")
        headers[.contentSecurityPolicy] =
            "default-src 'none'; \(style)img-src 'self' data:; form-action \(forms); frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("x-frame-options")!] = "DENY"
        headers[HTTPField.Name("referrer-policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("x-content-type-options")!] = "nosniff"
    }

    /// The origin (`scheme://host[:port]`) of a redirect URI, for the form-action directive: a browser
    /// applies it to the redirect that follows the form's post.
    static func origin(of uri: String) -> String? {
        guard let url = URLComponents(string: uri), let scheme = url.scheme, let host = url.host else { return nil }
        return url.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    /// What each scope lets the client do, in words a user reads on the consent page.
    static func describe(_ scope: String) -> String {
        switch scope {
        case "openid": "Know who you are (your account identifier)"
        case "profile": "See your name and username"
        case "email": "See your email address"
        case "offline_access": "Stay connected while you are away"
        default: "Use \u{201C}\(scope)\u{201D}"
        }
    }
}

/// HTML escaping of `{{value}}` over UTF-8 bytes (`<`, `>`, `&`, `"`, `'`, as swift-mustache's own): its default
/// walks Characters through a dictionary, which was a fifth of a sign-in page's CPU with the sealed request
/// in two forms; most values (tokens, base64url) hold none of the five and are returned as they are.
struct PageHTML: MustacheContentType {
    static let name = "GATEHOUSE_HTML"

    func escapeText(_ text: String) -> String {
        var text = text
        let escaped: String? = text.withUTF8 { bytes in
            guard bytes.contains(where: Self.needsEscape) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 32)
            for b in bytes {
                switch b {
                case UInt8(ascii: "<"): out += "&lt;".utf8
                case UInt8(ascii: ">"): out += "&gt;".utf8
                case UInt8(ascii: "&"): out += "&amp;".utf8
                case UInt8(ascii: "\""): out += "&quot;".utf8
                case UInt8(ascii: "'"): out += "&#39;".utf8
                default: out.append(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return escaped ?? text
    }

    private static func needsEscape(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "&") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
    }
}
