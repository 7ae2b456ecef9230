#if os(Linux)
import CMalloc
import Foundation

/// glibc hands an arena's free top back to the kernel once it passes 128 KiB, with an madvise whose TLB
/// shootdown stops the other core: under login load that was ~5% of the server's CPU (perf), for memory
/// reused a millisecond later. Keep up to 32 MiB per arena; allocations over 4 MiB still get their own
/// mapping. Operators who set GLIBC_TUNABLES for malloc keep their own choice.
func tuneMalloc() {
    if ProcessInfo.processInfo.environment["GLIBC_TUNABLES"]?.contains("glibc.malloc") == true { return }
    mallopt(M_TRIM_THRESHOLD, 32 << 20)
    mallopt(M_MMAP_THRESHOLD, 4 << 20)
}
#else
func tuneMalloc() {}
#endif
