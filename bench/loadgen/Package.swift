// swift-tools-version: 6.0
// The load generator for flows wrk cannot drive (each request needs a fresh signature). Separate from the
// server package so neither the server build nor CI pays for it; bench/run.sh builds it in release.
import PackageDescription

let package = Package(
    name: "loadgen",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "loadgen",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        )
    ],
    // A throwaway tool of threads and locks: Swift 5 checking is enough here.
    swiftLanguageModes: [.v5]
)
