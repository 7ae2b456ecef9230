import GatehouseCore
import Foundation
import HTTPTypes

/// `/openapi.yaml`, made from the route table: every route with its security, parameters, request body
/// and every reply with its schema, the error replies its access, body and parameters imply included.
struct OpenAPIBuilder {
    let routes: [Route]
    let schemas: [(String, Schema)]

    static let description = """
        Multi-tenant authentication and authorization server: one engine, several API dialects (the Project API \
        under /v2, the Classic API under /api/v1/auth, the Enterprise API under /auth). Every JSON body is \
        refused with 400 when any of its strings holds U+0000, and identifiers (login names, emails, usernames, \
        names) are refused with 400 when they hold a control character. Errors are {error, code, details} \
        except in the Classic API, whose errors are {error} as its clients expect.
        """

    func yaml() -> String {
        let doc: YAMLNode = .map([
            ("openapi", "3.1.0"),
            ("info", .map([("title", "Gatehouse"), ("version", "0.1.0"), ("description", .string(Self.description))])),
            ("servers", .list([.map([("url", "http://127.0.0.1:8080")])])),
            (
                "components",
                .map([
                    (
                        "securitySchemes",
                        .map([
                            ("projectKey", .map([("type", "apiKey"), ("in", "header"), ("name", "x-project-key")])),
                            ("apiKey", .map([("type", "apiKey"), ("in", "header"), ("name", "x-api-key")])),
                            ("bearer", .map([("type", "http"), ("scheme", "bearer"), ("bearerFormat", "JWT")])),
                        ])
                    ),
                    ("schemas", .map(schemas.map { ($0.0, $0.1.node()) })),
                ])
            ),
            ("paths", paths()),
        ])
        return doc.render()
    }

    private func paths() -> YAMLNode {
        var order: [String] = []
        var byPath: [String: [(String, YAMLNode)]] = [:]
        for route in routes {
            if byPath[route.path] == nil { order.append(route.path) }
            byPath[route.path, default: []].append((route.method.rawValue.lowercased(), operation(route)))
        }
        return .map(order.map { ($0, .map(byPath[$0]!)) })
    }

    static func operationId(_ route: Route) -> String {
        let words = route.path.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map {
            $0.prefix(1).uppercased() + $0.dropFirst()
        }
        return route.method.rawValue.lowercased() + words.joined()
    }

    private func security(_ access: Access) -> [[String]]? {
        switch access {
        case .none: nil
        case .tenant(.projectKey): [["projectKey"]]
        case .tenant(.projectKeyOrDefault): [["projectKey"], []]
        case .caller: [["bearer"], ["apiKey"]]
        case .signedIn: [["bearer"]]
        case .admin: [["bearer"], ["apiKey"]]
        case .system: [["apiKey"]]
        case .ownCheck(let security, _): security
        }
    }

    /// Every status the document promises for a route: the tests check each reply they receive against it, so
    /// a status a route can answer but the document omits fails a Swift test, not a fuzzing run.
    static func documentedStatuses(_ route: Route) -> Set<Int> {
        Set(route.doc.replies.map(\.status) + impliedErrors(route).map(\.0))
    }

    /// The error replies a route has by its shape, so they are declared in one place, not per route.
    private static func impliedErrors(_ route: Route) -> [(Int, String)] {
        var out: [(Int, String)] = []
        if route.doc.body != nil || !route.doc.query.isEmpty || !route.pathParameters.isEmpty {
            out.append((400, "a field, parameter or body that is missing, of the wrong type, too long or malformed"))
        }
        switch route.access {
        case .none: break
        case .tenant(.projectKey): out.append((401, "x-project-key is missing or unknown"))
        case .tenant(.projectKeyOrDefault): out.append((401, "x-project-key is unknown"))
        case .caller, .signedIn, .admin, .ownCheck:
            out.append((401, "no credential, or one that is not valid"))
            out.append((403, "the credential may not do this"))
        case .system: out.append((401, "the system API key is required"))
        }
        if !route.pathParameters.isEmpty { out.append((404, "no such item")) }
        if route.doc.body != nil {
            out.append((413, "the body is larger than 64 KiB"))
            out.append((415, route.doc.bodyContentType == "application/json" ? "the body is not JSON" : "the body is not \(route.doc.bodyContentType)"))
        }
        out.append((414, "the request target is longer than 8 KiB"))
        out.append((431, "more than 100 header fields, or a header block over 16 KiB"))
        if route.doc.usesStore {
            out.append((503, "the database cannot be reached, or the act could not be committed with its audit event: nothing changed, try again"))
        }
        return out
    }

    /// OpenAPI links (3.1 §4.8.20) from a create to what acts on the thing it made: a POST to `P` answering
    /// 2xx with a body that names the new item links to every operation on `P/{param}`, the parameter taken
    /// from the body's field of the same name, else its `id`. Path parameters `P` itself has pass through.
    /// Clients and stateful fuzzers follow them (schemathesis chains create → read → change → delete).
    private func links(from route: Route, reply: Reply) -> [(String, YAMLNode)] {
        guard route.method == .post, (200..<300).contains(reply.status), let schema = reply.schema,
            let fields = properties(of: schema)
        else { return [] }
        var out: [(String, YAMLNode)] = []
        for target in routes {
            let prefix = route.path + "/{"
            guard target.path.hasPrefix(prefix), let close = target.path.dropFirst(prefix.count).firstIndex(of: "}") else { continue }
            let param = String(target.path[target.path.index(target.path.startIndex, offsetBy: prefix.count)..<close])
            // Only the item itself (`P/{id}`), not what hangs below it.
            guard target.path.index(after: close) == target.path.endIndex else { continue }
            guard let field = fields.contains(param) ? param : (fields.contains("id") ? "id" : nil) else { continue }
            var parameters: [(String, YAMLNode)] = [(param, .string("$response.body#/\(field)"))]
            for name in route.pathParameters { parameters.append((name, .string("$request.path.\(name)"))) }
            let name = Self.operationId(target)
            out.append((name.prefix(1).uppercased() + name.dropFirst(), .map([("operationId", .string(name)), ("parameters", .map(parameters))])))
        }
        return out
    }

    /// The property names of an object schema, through a reference; nil for anything else.
    private func properties(of schema: Schema) -> Set<String>? {
        switch schema {
        case .object(let properties, _): Set(properties.map(\.key))
        case .ref(let name): schemas.first { $0.0 == name }.flatMap { properties(of: $0.1) }
        case .described(let inner, _): properties(of: inner)
        default: nil
        }
    }

    private func operation(_ route: Route) -> YAMLNode {
        var op: [(String, YAMLNode)] = [("operationId", .string(Self.operationId(route))), ("summary", .string(route.doc.summary))]
        if let d = route.doc.description { op.append(("description", .string(d))) }
        op.append(("x-permission", .string(route.permission.rawValue)))
        if case .admin = route.access, let entry = AdminRoutePermissions.entry(route.method, route.path) {
            op.append(("x-required-permission", .string(entry.permission.rawValue)))
        }
        if let security = security(route.access) {
            op.append(("security", .list(security.map { .map($0.map { ($0, .list([])) }) })))
        }
        var parameters: [YAMLNode] = route.pathParameters.map { name in
            .map([("name", .string(name)), ("in", "path"), ("required", .bool(true)), ("schema", (route.doc.pathSchemas[name] ?? .uuid).node())])
        }
        parameters += route.doc.query.map { q in
            .map([("name", .string(q.name)), ("in", "query"), ("description", .string(q.description)), ("schema", q.schema.node())])
        }
        if !parameters.isEmpty { op.append(("parameters", .list(parameters))) }
        if let body = route.doc.body {
            op.append((
                "requestBody",
                .map([
                    ("required", .bool(route.doc.bodyRequired)),
                    ("content", .map([(route.doc.bodyContentType, .map([("schema", body.node())]))])),
                ])
            ))
        }
        let errorSchema: Schema =
            switch route.dialect {
            case .json: .ref("Error")
            case .classic: .ref("ClassicError")
            case .oauth: .ref("OAuthError")
            case .html: .string("an HTML page")
            }
        let errorType = route.dialect == .html ? "text/html" : "application/json"
        let errorContent: YAMLNode = .map([(errorType, .map([("schema", errorSchema.node())]))])
        var replies: [(Int, YAMLNode)] = route.doc.replies.map { reply in
            var m: [(String, YAMLNode)] = [("description", .string(reply.description))]
            if let schema = reply.schema {
                m.append(("content", .map([(reply.contentType, .map([("schema", schema.node())]))])))
            } else if reply.status >= 400 {
                m.append(("content", errorContent))
            }
            let links = self.links(from: route, reply: reply)
            if !links.isEmpty { m.append(("links", .map(links))) }
            return (reply.status, .map(m))
        }
        for (status, text) in Self.impliedErrors(route) where !replies.contains(where: { $0.0 == status }) {
            replies.append((status, .map([("description", .string(text)), ("content", errorContent)])))
        }
        replies.sort { $0.0 < $1.0 }
        op.append(("responses", .map(replies.map { (String($0.0), $0.1) })))
        return .map(op)
    }
}

/// Schemas more than one dialect answers with.
enum SharedSchemas {
    static let all: [(String, Schema)] = [
        (
            "Error",
            .described(
                .object(
                    ["error": .string("what went wrong, for a person"), "code": .string("stable, for a program"), "details": .anyObject],
                    required: ["error", "code"]), "the Project and Enterprise error body")
        ),
        (
            "ClassicError",
            .described(
                .object(
                    ["error": .string(), "code": .text(values: ["MFA_REQUIRED", "STEP_UP_REQUIRED"])], required: ["error"]),
                "the Classic error body; code only where the Classic API has no words of its own")
        ),
        (
            "OAuthError",
            .described(
                .object(
                    ["error": .string("RFC 6749 §5.2 code"), "error_description": .string(), "error_uri": .string("the page defining the code")],
                    required: ["error"]),
                "the OAuth 2.0 error body")
        ),
        ("Message", .object(["message": .string(), "success": .boolean], required: ["message", "success"])),
        ("Valid", .object(["valid": .boolean], required: ["valid"])),
    ]

    /// `{data, nextCursor}`: a page of a list.
    static func page(_ item: String) -> Schema {
        .object(["data": .array(.ref(item)), "nextCursor": .nullable(.string())], required: ["data"])
    }
}
