import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseOutbound
import GatehouseServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 10, item 10: the master key file is born 0600 and a readable one stops the server.
@Suite struct MasterKeyFileTests {
    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-key-\(UUID().uuidString)").path
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int ?? -1) & 0o777
    }

    @Test func createdOwnerOnlyAndReused() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = ServerConfiguration()
        c.dataDirectory = dir
        // Even a permissive umask cannot widen it.
        let old = umask(0)
        defer { umask(old) }
        let key = try c.loadMasterKey(random: SystemRandomSource())
        #expect(key.count == 32)
        #expect(Self.mode(c.masterKeyPath) == 0o600)
        #expect(try c.loadMasterKey(random: SystemRandomSource()) == key, "the same key at the next start")
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = ServerConfiguration()
        c.dataDirectory = dir
        _ = try c.loadMasterKey(random: SystemRandomSource())
        for mode: mode_t in [0o644, 0o640, 0o604] {
            chmod(c.masterKeyPath, mode)
            #expect(throws: GatehouseError.self, "mode \(String(mode, radix: 8))") {
                _ = try c.loadMasterKey(random: SystemRandomSource())
            }
        }
        chmod(c.masterKeyPath, 0o400)
        #expect(try c.loadMasterKey(random: SystemRandomSource()).count == 32)
    }
}
