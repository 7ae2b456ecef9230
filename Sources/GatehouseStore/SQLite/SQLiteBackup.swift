import CSQLite
import Foundation
import GatehouseCore

/// `gatehouse backup`: a consistent copy of a live SQLite database, made through SQLite's online backup API
/// in one step (`sqlite3_backup_step(-1)` copies every page under one read transaction). A step-by-step
/// backup restarts whenever another connection writes, so under a steady write load it may never finish;
/// one step sees one snapshot and lets the server's writer go on (WAL readers do not block it).
public enum SQLiteBackup {
    /// Copies the database at `source` into a new file `destination`; returns the number of pages copied.
    public static func copy(from source: String, to destination: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: source) else {
            throw GatehouseError(.notFound, "no database at \(source)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw GatehouseError(.conflict, "\(destination) exists; the backup writes a new file")
        }
        var src: OpaquePointer?
        var dst: OpaquePointer?
        defer {
            sqlite3_close(src)
            sqlite3_close(dst)
        }
        guard sqlite3_open_v2(source, &src, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let src else {
            throw failure(src, "cannot open \(source)")
        }
        sqlite3_busy_timeout(src, 5000)
        guard sqlite3_open_v2(destination, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let dst else {
            throw failure(dst, "cannot create \(destination)")
        }
        guard let backup = sqlite3_backup_init(dst, "main", src, "main") else { throw failure(dst, "backup refused") }
        var rc = sqlite3_backup_step(backup, -1)
        var waits = 0
        while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waits < 200 {
            sqlite3_sleep(25)
            waits += 1
            rc = sqlite3_backup_step(backup, -1)
        }
        let pages = Int(sqlite3_backup_pagecount(backup))
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else {
            try? FileManager.default.removeItem(atPath: destination)
            throw SQLiteFailure(code: rc, message: String(cString: sqlite3_errstr(rc)))
        }
        // The copy is a database in its own right; keep it private like the original.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination)
        return pages
    }

    private static func failure(_ db: OpaquePointer?, _ what: String) -> SQLiteFailure {
        SQLiteFailure(code: db.map { sqlite3_errcode($0) } ?? SQLITE_CANTOPEN, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? what)
    }
}
