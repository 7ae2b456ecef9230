import GatehouseCore
import Testing

/// Issue 10, item 6: the SSRF filter, tested as a function on addresses (never by connecting to one).
@Suite struct OutboundPolicyTests {
    static let refused = [
        "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.100.100.200", "100.127.255.255", "0.0.0.0", "0.1.2.3",
        "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.0.1", "192.0.2.1", "198.18.0.1",
        "198.51.100.7", "203.0.113.9",
        "::1", "::", "[::1]", "fe80::1", "fe80::1%eth0", "febf::1", "fec0::1", "fc00::1", "fd00:ec2::254", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2001:db8::1",
        "2002:7f00:1::1", "100::1",
        "not-an-ip", "", "999.1.1.1", "localhost",
        // Issue 15: loopback in the other spellings resolvers accept.
        "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0x7f.1", "017700000001", "10.1", "0xa9fea9fe",
    ]
    static let allowed = [
        "8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.63.255.255", "100.128.0.1", "192.169.0.1",
        "169.253.1.1", "223.255.255.255", "2001:4860:4860::8888", "2606:4700:4700::1111", "::ffff:8.8.8.8",
        "[2001:4860:4860::8888]",
        // 1.2.3 is how inet_aton (and so getaddrinfo) reads 1.2.0.3: a public address.
        "1.2.3",
    ]

    @Test func privateAndSpecialAddressesAreRefused() {
        for a in Self.refused { #expect(OutboundPolicy.refusal(address: a) != nil, "\(a) should be refused") }
        for a in Self.allowed { #expect(OutboundPolicy.refusal(address: a) == nil, "\(a) should be allowed") }
        let lab = OutboundPolicy(allowPrivate: true)
        #expect(lab.permits(address: "127.0.0.1") && lab.permits(address: "10.0.0.1"))
        #expect(!OutboundPolicy().permits(address: "127.0.0.1"))
    }

    @Test func urls() {
        let strict = OutboundPolicy()
        #expect(strict.refusal(url: "https://idp.example.com/.well-known/jwks.json") == nil)
        #expect(strict.refusal(url: "http://idp.example.com/jwks") != nil, "https only")
        #expect(strict.refusal(url: "https://127.0.0.1/jwks") != nil, "a literal private address")
        #expect(strict.refusal(url: "https://[::1]:8443/jwks") != nil)
        #expect(strict.refusal(url: "https://169.254.169.254/latest/meta-data") != nil)
        for spelled in ["127.1", "0x7f000001", "2130706433", "[::ffff:127.0.0.1]", "10.0.0.1", "172.16.0.1", "192.168.0.1", "100.64.0.1", "[fc00::1]", "[fe80::1]"] {
            #expect(strict.refusal(url: "https://\(spelled)/hook") != nil, "\(spelled)")
        }
        #expect(strict.refusal(url: "https://user:pass@idp.example.com/jwks") != nil)
        #expect(strict.refusal(url: "ftp://idp.example.com/jwks") != nil)
        #expect(strict.refusal(url: "not a url") != nil)
        let lab = OutboundPolicy(allowPrivate: true)
        #expect(lab.refusal(url: "http://127.0.0.1:8080/jwks") == nil)
        #expect(lab.refusal(url: "ftp://127.0.0.1/jwks") != nil)
    }
}
