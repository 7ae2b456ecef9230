import GatehouseCore
import HTTPTypes

/// The permission every Project API administration route needs: the one table (issue 15), checked by one
/// middleware (`AuthorizeAdmin`), written into `/openapi.yaml` (`x-required-permission`) and the README.
/// A route declared with `Route.admin` and missing here is closed to everyone, and the suite fails on it.
enum AdminRoutePermissions {
    struct Entry: Sendable {
        let permission: AdminPermission
        /// The path parameter naming the business the route acts on: a business-scoped token passes only
        /// when it names the token's own business. Nil: a tenant-wide route, closed to such tokens.
        let businessParameter: String?

        init(_ permission: AdminPermission, business: String? = nil) {
            self.permission = permission
            self.businessParameter = business
        }
    }

    static let table: [String: Entry] = [
        "PUT /v2/tenants": Entry(.tenantWrite),
        "GET /v2/users": Entry(.usersRead),
        "POST /v2/users": Entry(.usersWrite),
        "PUT /v2/users/{id}": Entry(.usersWrite),
        "DELETE /v2/users/{id}": Entry(.usersWrite),
        "POST /v2/users/{id}/password": Entry(.usersWrite),
        "GET /v2/users/{id}/roles": Entry(.usersRead),
        "POST /v2/users/{id}/roles": Entry(.usersWrite),
        "DELETE /v2/users/{id}/roles/{role}": Entry(.usersWrite),
        "GET /v2/roles": Entry(.rolesRead),
        "POST /v2/roles": Entry(.rolesWrite),
        "GET /v2/roles/{role}": Entry(.rolesRead),
        "PUT /v2/roles/{role}": Entry(.rolesWrite),
        "DELETE /v2/roles/{role}": Entry(.rolesWrite),
        "GET /v2/businesses": Entry(.businessesRead),
        "POST /v2/businesses": Entry(.businessesWrite),
        "GET /v2/businesses/{id}": Entry(.businessesRead, business: "id"),
        "DELETE /v2/businesses/{id}": Entry(.businessesWrite),
        "GET /v2/businesses/{id}/memberships": Entry(.businessesRead, business: "id"),
        "POST /v2/businesses/{id}/memberships": Entry(.businessesWrite, business: "id"),
        "DELETE /v2/businesses/{id}/memberships/{userId}": Entry(.businessesWrite, business: "id"),
        "GET /v2/admins": Entry(.usersRead),
        "POST /v2/admins": Entry(.adminsWrite),
        "DELETE /v2/admins/{userId}": Entry(.adminsWrite),
        "GET /v2/identity-providers": Entry(.tenantRead),
        "POST /v2/identity-providers": Entry(.identityProvidersWrite),
        "GET /v2/identity-providers/{id}": Entry(.tenantRead),
        "PATCH /v2/identity-providers/{id}": Entry(.identityProvidersWrite),
        "DELETE /v2/identity-providers/{id}": Entry(.identityProvidersWrite),
        "GET /v2/oauth-clients": Entry(.tenantRead),
        "POST /v2/oauth-clients": Entry(.oauthClientsWrite),
        "GET /v2/oauth-clients/{id}": Entry(.tenantRead),
        "PATCH /v2/oauth-clients/{id}": Entry(.oauthClientsWrite),
        "DELETE /v2/oauth-clients/{id}": Entry(.oauthClientsWrite),
        "POST /v2/oauth-clients/{id}/secret": Entry(.oauthClientsWrite),
        "GET /v2/events": Entry(.eventsRead),
        "GET /v2/events/verify": Entry(.eventsRead),
        "GET /v2/api-keys": Entry(.apiKeysWrite),
        "POST /v2/api-keys": Entry(.apiKeysWrite),
        "DELETE /v2/api-keys/{keyId}": Entry(.apiKeysWrite),
        "GET /v2/webhooks": Entry(.webhooksWrite),
        "POST /v2/webhooks": Entry(.webhooksWrite),
        "GET /v2/webhooks/{id}": Entry(.webhooksWrite),
        "PATCH /v2/webhooks/{id}": Entry(.webhooksWrite),
        "DELETE /v2/webhooks/{id}": Entry(.webhooksWrite),
        "POST /v2/webhooks/{id}/secret": Entry(.webhooksWrite),
        "POST /v2/webhooks/{id}/test": Entry(.webhooksWrite),
        "GET /v2/webhooks/{id}/deliveries": Entry(.webhooksWrite),
        "POST /v2/webhooks/{id}/deliveries/{deliveryId}/redeliver": Entry(.webhooksWrite),
        "POST /v2/keys/rotate": Entry(.keysRotate),
    ]

    static func entry(_ method: HTTPRequest.Method, _ path: String) -> Entry? { table["\(method.rawValue) \(path)"] }
}

extension AdminRoutePermissions {
    /// The README's table of administration routes and their permissions, in route-table order.
    static func markdown(_ routes: [Route]) -> String {
        var lines = ["| method | path | permission | a business-scoped token |", "|---|---|---|---|"]
        for route in routes {
            guard case .admin = route.access, let entry = entry(route.method, route.path) else { continue }
            let scope = entry.businessParameter == nil ? "refused" : "its own business only"
            lines.append("| \(route.method.rawValue) | `\(route.path)` | `\(entry.permission.rawValue)` | \(scope) |")
        }
        return lines.joined(separator: "\n")
    }
}
