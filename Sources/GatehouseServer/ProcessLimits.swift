#if canImport(Glibc)
import Glibc
#endif

/// Every client connection is a file descriptor: the soft limit (often 1,024) would refuse connections long
/// before `GATEHOUSE_MAX_CONNECTIONS`, so a serving node raises it to the hard limit the system allows.
/// Returns the limit in force afterwards.
@discardableResult
public func raiseOpenFileLimit() -> UInt64 {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
    }
    return UInt64(limit.rlim_cur)
}

/// A write past the file-size limit (`ulimit -f`) raises SIGXFSZ, whose default action ends the process.
/// Ignored, the write fails with EFBIG instead: SQLite reports it, the request answers 503, and the node
/// writes again once the limit is lifted, as on a full disk.
public func ignoreFileSizeSignal() {
    signal(SIGXFSZ, SIG_IGN)
}
