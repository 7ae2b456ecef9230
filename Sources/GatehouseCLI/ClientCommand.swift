import ArgumentParser
import GatehouseCore
import GatehouseServer

/// `gatehouse client create`: an OAuth client from the shell (as `POST /v2/oauth-clients` makes one).
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage OAuth clients.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an OAuth client; prints its id and (confidential clients) its secret, once.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id (default: the default tenant)") var tenant: String?
        @Option(help: "Client name") var name: String
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI (repeatable); compared exactly") var redirectURIs: [String] = []
        @Option(name: .customLong("grant"), help: "authorization_code, refresh_token or client_credentials (repeatable)")
        var grants: [String] = []
        @Option(name: .customLong("scope"), help: "A scope the client may ask for (repeatable)") var scopes: [String] = []
        @Flag(name: .customLong("public"), help: "A public client (no secret; PKCE): browser and native apps") var isPublic = false
        @Flag(name: .customLong("first-party"), help: "Skip consent; tokens name the tenant as audience") var firstParty = false

        func run() async throws {
            var input = OAuthClientInput()
            input.name = name
            input.redirectUris = redirectURIs
            if !grants.isEmpty { input.grantTypes = grants }
            input.scopes = scopes
            input.firstParty = firstParty
            if isPublic { input.tokenEndpointAuthMethod = OAuthClient.AuthMethod.none.rawValue }
            try await common.withRuntime { runtime in
                let id = try await EventsCommand.tenantId(tenant, runtime)
                do {
                    let (client, secret) = try await runtime.engine.oauthClients.create(tenantId: id, input)
                    print("client id: \(client.id)")
                    if let secret { print("client secret (shown once): \(secret)") }
                } catch let error as GatehouseError {
                    throw ValidationError(error.message)
                }
            }
        }
    }
}
