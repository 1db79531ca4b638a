import XCTest
import Foundation
import LeveeBase
import LeveeNet
@testable import LeveeLinux
import LeveeApp

/// The capture writer checked by a real reader (`tshark -r`), for both link types, and the LAN-mode
/// option parsing. (The LAN mode itself is tested end to end by lan-test.sh in network namespaces.)
final class CaptureAndConfigurationTests: XCTestCase {
    /// A CoAP CON GET /.well-known/core with token 0x01, message ID 0x1234.
    let coapGet: [UInt8] = [0x41, 0x01, 0x12, 0x34, 0x01, 0xBB] + Array(".well-known".utf8) + [0x04] + Array("core".utf8)

    func tshark(_ path: String, _ fields: [String], options: [String] = []) throws -> [String] {
        guard let tool = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("tshark not installed (make deps)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-r", path, "-T", "fields"] + options + fields.flatMap { ["-e", $0] }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "tshark -r \(path)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "levee-\(getpid())-\(name)"
    }

    func testRawIPCaptureOfSocketModeDecodesAsCoAPWithGoodChecksums() throws {
        let path = temporaryPath("socket.pcap")
        defer { unlink(path) }
        let writer = try PcapCaptureWriter(path: path, linkType: .rawIP)
        let client4 = Endpoint(ipv4: 0x7F00_0001, port: 40_000)
        let node4 = Endpoint(ipv4: 0x7F00_0001, port: 5683)
        let client6 = Endpoint(addressHigh: 0xFE80_0000_0000_0000, addressLow: 0x1, port: 40_001)
        let node6 = Endpoint(addressHigh: 0xFE80_0000_0000_0000, addressLow: 0x2, port: 5683)
        coapGet.withUnsafeBytes { writer.writeUDP($0, from: client4, to: node4) }
        coapGet.withUnsafeBytes { writer.writeUDP($0, from: client6, to: node6) }
        writer.close()
        XCTAssertEqual(writer.records, 2)
        let lines = try tshark(path, ["frame.protocols", "coap.code", "coap.mid", "coap.opt.uri_path", "udp.checksum.status"],
                               options: ["-o", "udp.check_checksum:TRUE"])
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("raw:ip:udp:coap"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("raw:ipv6:udp:coap"), lines[1])
        for line in lines {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(f[1], "1", "GET")
            XCTAssertEqual(f[2], "4660", "message ID 0x1234")
            XCTAssertEqual(f[3], ".well-known,core")
            XCTAssertEqual(f[4], "1", "UDP checksum verified good by Wireshark: \(line)")
        }
    }

    func testEthernetCaptureOfTheStacksFramesDecodes() throws {
        let path = temporaryPath("lan.pcap")
        defer { unlink(path) }
        let writer = try PcapCaptureWriter(path: path, linkType: .ethernet)
        let now = Instant(microseconds: 1)
        var node = NetworkStack(mac: MACAddress(2, 0, 0, 0, 0, 2),
                                addressing: .fixed(address: IPv4Address(10, 0, 0, 2), prefixLength: 24, gateway: .unspecified), now: now)
        var frame = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        frame.withUnsafeMutableBytes { f in
            // Unresolved: an ARP request goes out; then, once learnt, the CoAP datagram itself.
            for i in 0..<coapGet.count { f[udpPayloadOffset + i] = coapGet[i] }
            let peer = IPv4Endpoint(address: IPv4Address(10, 0, 0, 1), port: 5683)
            if case let .arpRequestInstead(n) = node.sendUDP(from: 40_000, to: peer, payloadLength: coapGet.count, frame: f, now: now) {
                writer.write(UnsafeRawBufferPointer(rebasing: f[0..<n]))
            }
            node.arpCache.insert(peer.address, mac: MACAddress(2, 0, 0, 0, 0, 1), now: now)
            if case let .transmit(n) = node.sendUDP(from: 40_000, to: peer, payloadLength: coapGet.count, frame: f, now: now) {
                writer.write(UnsafeRawBufferPointer(rebasing: f[0..<n]))
            }
        }
        writer.close()
        let lines = try tshark(path, ["frame.protocols", "ip.checksum.status", "udp.checksum.status", "coap.code"],
                               options: ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"])
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.first, "eth:ethertype:arp\t\t\t")
        XCTAssertEqual(lines.last, "eth:ethertype:ip:udp:coap\t1\t1\t1")
    }

    func testLANOptions() throws {
        let fixed = try LANConfiguration(interface: "eth0", mac: "02:AB:cd:00:00:01", ip: "192.168.7.9/16", gateway: "192.168.0.1",
                                         dhcp: false, capturePath: nil)
        XCTAssertEqual(fixed.mac, MACAddress(2, 0xAB, 0xCD, 0, 0, 1))
        guard case let .fixed(address, prefix, gateway) = fixed.addressing else { return XCTFail() }
        XCTAssertEqual(address, IPv4Address(192, 168, 7, 9))
        XCTAssertEqual(prefix, 16)
        XCTAssertEqual(gateway, IPv4Address(192, 168, 0, 1))
        XCTAssertEqual("\(address) \(fixed.mac)", "192.168.7.9 02:ab:cd:00:00:01")
        guard case .dhcp = try LANConfiguration(interface: "eth0", mac: "02:00:00:00:00:01", ip: nil, gateway: nil,
                                                dhcp: true, capturePath: nil).addressing else { return XCTFail() }
        for (mac, ip, dhcp) in [("01:00:00:00:00:01", "10.0.0.1", false),   // group address
                                ("02:00:00:00:01", "10.0.0.1", false),      // five bytes
                                ("02:00:00:00:00:01", "10.0.0.256", false),
                                ("02:00:00:00:00:01", "10.0.0.1/33", false),
                                ("02:00:00:00:00:01", "10.0.0.1", true)] {  // both --ip and --dhcp
            XCTAssertThrowsError(try LANConfiguration(interface: "eth0", mac: mac, ip: ip, gateway: nil, dhcp: dhcp,
                                                      capturePath: nil), "\(mac) \(ip) \(dhcp)")
        }
    }
}

/// The chip's boot check of the Ethernet glue, on the host with the node's real CoAP service.
final class EthernetNodeTests: XCTestCase {
    struct Output: Console {
        var text = ""
        mutating func write(_ bytes: UnsafeRawBufferPointer) { text += String(decoding: bytes, as: UTF8.self) }
    }

    func testARPAndCoAPPingThroughTheEthernetNode() {
        var ethernet = EthernetNode(mac: MACAddress(2, 0, 0, 0, 0, 2),
                                    addressing: .fixed(address: IPv4Address(10, 0, 0, 2), prefixLength: 24, gateway: .unspecified),
                                    now: .zero)
        var service = NodeService(bootTime: .zero)
        var output = Output()
        var frame = [UInt8](repeating: 0, count: NetLimits.frameCapacity)
        let failures = frame.withUnsafeMutableBytes {
            EthernetBootCheck.run(&ethernet, service: &service, transmit: $0, console: &output)
        }
        XCTAssertEqual(failures, 0, output.text)
        XCTAssertEqual(ethernet.stack.counters.arpRepliesSent, 1)
        XCTAssertEqual(ethernet.stack.counters.udpSent, 1)
        XCTAssertEqual(ethernet.unsentMessages, 0)
    }
}
