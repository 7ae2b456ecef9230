import Foundation
import GatehouseCore
import Hummingbird

/// Signed action confirmations of the Enterprise dialect (seed 004), under `/auth/confirmations`. Create,
/// read and reject need the owner's credentials; approve is authorised by the device signature itself.
struct ConfirmationsController {
    let engine: Engine
    let tenants: TenantResolver
    let callers: CallerAuthenticator
    let clientAddress: ClientAddressResolver

    func register(on router: Router<AppRequestContext>) {
        let group = router.group("auth/confirmations")
        group.post(use: create)
        group.get(":id", use: get)
        group.post(":id/approve", use: approve)
        group.post(":id/reject", use: reject)
    }

    struct CreateBody: Decodable {
        var actionType: String?
        var actionPayload: JSONValue?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let user = try await callers.authenticate(request, tenant: tenant).user
        let body = try await JSONBody.decode(CreateBody.self, from: request)
        let actionType = try Validate.required(
            body.actionType, "actionType", max: ConfirmationService.maxActionTypeLength)
        let c = try await engine.confirmations.create(user: user, actionType: actionType, payload: body.actionPayload)
        var w = JSONWriter()
        w.field("challenge", c.challenge)
        w.field("confirmationId", c.id)
        w.field("expiresAt", c.expiresAt.rfc3339)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8", status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let user = try await callers.authenticate(request, tenant: tenant).user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let c = try await engine.confirmations.get(user: user, id: id)
        var w = JSONWriter()
        w.field("actionPayload", json: Array(c.actionPayload.utf8))
        w.field("actionType", c.actionType)
        w.field("confirmationId", c.id)
        w.field("createdAt", c.createdAt.rfc3339)
        w.field("expiresAt", c.expiresAt.rfc3339)
        w.field("status", c.status(at: engine.clock.now).rawValue)
        w.field("updatedAt", c.updatedAt.rfc3339)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    func outcome(_ c: Confirmation) -> Response {
        var w = JSONWriter()
        w.field("confirmationId", c.id)
        w.field("status", c.status.rawValue)
        w.field("success", true)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    struct ApproveBody: Decodable {
        var deviceId: String?
        var signedChallenge: String?
    }

    @Sendable func approve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let body = try await JSONBody.decode(ApproveBody.self, from: request)
        let deviceId = try Validate.uuid(body.deviceId, "deviceId")
        let signature = try Validate.token(body.signedChallenge, "signedChallenge", max: BiometricController.maxSignature)
        let c = try await engine.confirmations.approve(
            tenantId: tenant.id, id: id, deviceId: deviceId, signature: signature,
            clientAddress: clientAddress.address(request, context: context))
        return outcome(c)
    }

    struct RejectBody: Decodable { var reason: String? }

    @Sendable func reject(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.projectOrDefault(request)
        let user = try await callers.authenticate(request, tenant: tenant).user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        // The body is optional: an empty one rejects without a reason.
        let body = try await JSONBody.decodeIfPresent(RejectBody.self, from: request)
        let reason = try Validate.optional(body?.reason, "reason", max: ConfirmationService.maxReasonLength)
        return outcome(try await engine.confirmations.reject(user: user, id: id, reason: reason))
    }
}
