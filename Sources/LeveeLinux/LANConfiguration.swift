import LeveeBase
import LeveeNet

/// How `levee-node` runs in LAN mode: `--interface IF --mac 02:… (--ip A.B.C.D/N [--gateway G] | --dhcp)
/// [--capture FILE.pcap]`.
public struct LANConfiguration {
    public var interface: String
    public var mac: MACAddress
    public var addressing: IPv4Addressing
    /// Where to record every frame in and out (pcap, link type Ethernet); nil for none.
    public var capturePath: String?
    /// The UDP port the datagram service (the CoAP server) answers on.
    public var servicePort: UInt16

    public init(interface: String, mac: MACAddress, addressing: IPv4Addressing,
                capturePath: String? = nil, servicePort: UInt16 = 5683) {
        self.interface = interface
        self.mac = mac
        self.addressing = addressing
        self.capturePath = capturePath
        self.servicePort = servicePort
    }

    /// Builds a configuration from the command-line texts; `ip` is `A.B.C.D/N` (N defaults to 24).
    public init(interface: String, mac: String, ip: String?, gateway: String?, dhcp: Bool,
                capturePath: String?, servicePort: UInt16 = 5683) throws(LANError) {
        guard let parsedMAC = Self.parseMAC(mac) else { throw .badOption("--mac: not a MAC address: \(mac)") }
        guard !parsedMAC.isGroup else { throw .badOption("--mac: \(mac) is a group address (first byte must be even)") }
        let addressing: IPv4Addressing
        switch (ip, dhcp) {
        case (nil, true):
            var seed: UInt32 = 0
            withUnsafeMutableBytes(of: &seed) { $0.copyBytes(from: (0..<4).map { _ in UInt8.random(in: 0...255) }) }
            addressing = .dhcp(seed: seed)
        case (let text?, false):
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let address = Self.parseIPv4(String(parts[0])) else { throw .badOption("--ip: not an IPv4 address: \(text)") }
            let prefix = parts.count == 2 ? UInt8(parts[1]) : 24
            guard let prefixLength = prefix, prefixLength <= 32 else { throw .badOption("--ip: bad prefix length: \(text)") }
            var router = IPv4Address.unspecified
            if let g = gateway {
                guard let parsed = Self.parseIPv4(g) else { throw .badOption("--gateway: not an IPv4 address: \(g)") }
                router = parsed
            }
            addressing = .fixed(address: address, prefixLength: prefixLength, gateway: router)
        default:
            throw .badOption("LAN mode needs exactly one of --ip A.B.C.D/N and --dhcp")
        }
        self.init(interface: interface, mac: parsedMAC, addressing: addressing, capturePath: capturePath,
                  servicePort: servicePort)
    }

    public static func parseMAC(_ text: String) -> MACAddress? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            bytes.append(b)
        }
        return MACAddress(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5])
    }

    public static func parseIPv4(_ text: String) -> IPv4Address? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, let b = UInt8(p) else { return nil }
            value = value << 8 | UInt32(b)
        }
        return IPv4Address(value)
    }
}

extension IPv4Address: CustomStringConvertible {
    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }
}

extension MACAddress: CustomStringConvertible {
    public var description: String {
        (0..<6).map { i in
            let b = self[i]
            return String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16)
        }.joined(separator: ":")
    }
}
