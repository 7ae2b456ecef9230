import Foundation
import GatehouseCore
import Hummingbird

/// A password login's common part in every dialect: bounded credentials handed to the engine's one
/// login policy.
struct PasswordChecker {
    let login: PasswordLogin
    let clientAddress: ClientAddressResolver

    func login(
        login: String?, loginField: String, password: String?, tenant: Tenant, via entry: PasswordLogin.EntryPoint,
        request: Request, context: some GatehouseContext
    ) async throws -> PasswordLogin.Outcome {
        let name = try Validate.loginName(login, loginField, max: 320)
        let secret = try Validate.token(password, "password", max: 4096)
        return try await self.login.login(
            tenant: tenant, login: name, password: secret, clientAddress: clientAddress.address(request, context: context),
            via: entry)
    }
}
