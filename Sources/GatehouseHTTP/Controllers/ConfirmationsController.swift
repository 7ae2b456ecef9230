import Foundation
import GatehouseCore
import Hummingbird

/// Signed action confirmations of the Enterprise dialect (seed 004), under `/auth/confirmations`. Create,
/// read and reject need the owner's credentials; approve is authorised by the device signature itself.
struct ConfirmationsController {
    let confirmations: ConfirmationService
    let clock: any GatehouseClock
    let clientAddress: ClientAddressResolver

    var routes: [Route] {
        let src = TenantSource.projectKeyOrDefault
        let outcome = Reply.ok(.ref("ConfirmationOutcome"))
        let notPending = Reply.error(409, "the confirmation is not pending")
        return [
            .caller(
                .post, "/auth/confirmations", from: src,
                .init(
                    "Ask the user to approve an action; pushes to their devices with an FCM token",
                    body: .object(
                        [
                            "actionType": .text(maxLength: ConfirmationService.maxActionTypeLength),
                            "actionPayload": .described(.any, "at most 16 KiB of JSON"),
                        ], required: ["actionType"]),
                    .created(.ref("ConfirmationCreated"))),
                use: create),
            .caller(.get, "/auth/confirmations/{id}", from: src, .init("A confirmation and its status", .ok(.ref("Confirmation"))), use: get),
            .tenant(
                .post, "/auth/confirmations/{id}/approve", from: src,
                .init(
                    "Approve with the challenge signed by one of the owner's active devices (once)",
                    body: .object(["deviceId": .uuid, "signedChallenge": .string()], required: ["deviceId", "signedChallenge"]), outcome,
                    notPending, .error(403, "the device is not one of the owner's active devices"),
                    .error(429, "too many failed approvals; Retry-After says when to try again")),
                use: approve),
            .caller(
                .post, "/auth/confirmations/{id}/reject", from: src,
                .init(
                    "Reject a pending confirmation",
                    body: .object(["reason": .text(maxLength: ConfirmationService.maxReasonLength)]), bodyRequired: false, outcome,
                    notPending),
                use: reject),
        ]
    }

    static let schemas: [(String, Schema)] = [
        (
            "ConfirmationCreated",
            .object(["challenge": .string(), "confirmationId": .uuid, "expiresAt": .dateTime], required: ["challenge", "confirmationId", "expiresAt"])
        ),
        (
            "Confirmation",
            .object(
                [
                    "actionPayload": .any, "actionType": .string(), "confirmationId": .uuid, "createdAt": .dateTime,
                    "expiresAt": .dateTime, "status": .text(values: ["pending", "approved", "rejected", "expired"]),
                    "updatedAt": .dateTime,
                ], required: ["actionPayload", "actionType", "confirmationId", "createdAt", "expiresAt", "status", "updatedAt"])
        ),
        (
            "ConfirmationOutcome",
            .object(
                ["confirmationId": .uuid, "status": .text(values: ["pending", "approved", "rejected", "expired"]), "success": .boolean],
                required: ["confirmationId", "status", "success"])
        ),
    ]

    struct CreateBody: Decodable {
        var actionType: String?
        var actionPayload: JSONValue?
    }

    @Sendable func create(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let body = try await JSONBody.decode(CreateBody.self, from: request)
        let actionType = try Validate.required(
            body.actionType, "actionType", max: ConfirmationService.maxActionTypeLength)
        let c = try await confirmations.create(user: user, actionType: actionType, payload: body.actionPayload)
        return try JSONBody.response(
            Created(challenge: c.challenge, confirmationId: c.id, expiresAt: c.expiresAt.rfc3339), status: .created)
    }

    struct Created: Encodable {
        var challenge: String
        var confirmationId: String
        var expiresAt: String
    }

    struct Outcome: Encodable {
        var confirmationId: String
        var status: String
        var success = true
    }

    @Sendable func get(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let c = try await confirmations.get(user: user, id: id)
        // The stored payload is spliced in as stored (it was checked as JSON on the way in).
        var w = JSONWriter()
        w.field("actionPayload", json: Array(c.actionPayload.utf8))
        w.field("actionType", c.actionType)
        w.field("confirmationId", c.id)
        w.field("createdAt", c.createdAt.rfc3339)
        w.field("expiresAt", c.expiresAt.rfc3339)
        w.field("status", c.status(at: clock.now).rawValue)
        w.field("updatedAt", c.updatedAt.rfc3339)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
    }

    func outcome(_ c: Confirmation) throws -> Response {
        try JSONBody.response(Outcome(confirmationId: c.id, status: c.status.rawValue))
    }

    struct ApproveBody: Decodable {
        var deviceId: String?
        var signedChallenge: String?
    }

    @Sendable func approve(_ request: Request, context: TenantContext) async throws -> Response {
        let tenant = context.tenant
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        let body = try await JSONBody.decode(ApproveBody.self, from: request)
        let deviceId = try Validate.uuid(body.deviceId, "deviceId")
        let signature = try Validate.token(body.signedChallenge, "signedChallenge", max: BiometricController.maxSignature)
        let c = try await confirmations.approve(
            tenantId: tenant.id, id: id, deviceId: deviceId, signature: signature,
            clientAddress: clientAddress.address(request, context: context))
        return try outcome(c)
    }

    struct RejectBody: Decodable { var reason: String? }

    @Sendable func reject(_ request: Request, context: CallerContext) async throws -> Response {
        let user = context.user
        let id = try Validate.uuid(context.parameters.get("id"), "id")
        // The body is optional: an empty one rejects without a reason.
        let body = try await JSONBody.decodeIfPresent(RejectBody.self, from: request)
        let reason = try Validate.optional(body?.reason, "reason", max: ConfirmationService.maxReasonLength)
        return try outcome(try await confirmations.reject(user: user, id: id, reason: reason))
    }
}
