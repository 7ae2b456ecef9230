// swift-tools-version:6.0
// The cost of one RS256 signature with the crypto the server links (swift-crypto's BoringSSL), alone: the
// ceiling it puts on the code exchange, whose ID token it signs (bench/rsa-sign.sh).
import PackageDescription

let package = Package(
    name: "rsa-sign",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2")],
    targets: [
        .executableTarget(
            name: "rsa-sign",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")])
    ])
