import LeveeBase

extension NetworkStack {
    /// Writes the counters, the ARP cache, the address and the lease as one JSON object: the body
    /// of the `/sys/net` resource. Check `writer.overflowed` afterwards (about 1.2 KB with a full
    /// ARP cache; the CoAP layer sends it block-wise).
    public func writeStatus(into w: inout ByteWriter, now: Instant) {
        w.append("{\"mac\":\""); w.appendMAC(mac)
        w.append("\",\"address\":\""); w.appendIPv4(address)
        w.append("/"); w.appendDecimal(UInt64(widening: prefixLength))
        w.append("\",\"gateway\":\""); w.appendIPv4(gateway)
        w.append("\",\"ipv6_link_local\":\""); w.appendIPv6(linkLocal)
        w.append("\",\"addressing\":")
        if let client = dhcp {
            w.append("{\"dhcp\":\""); w.append(client.state.name); w.append("\"")
            if let lease = client.lease {
                w.append(",\"server\":\""); w.appendIPv4(lease.server)
                w.append("\",\"lease_s\":"); w.appendDecimal(UInt64(widening: lease.seconds))
                w.append(",\"lease_left_s\":")
                w.appendDecimal(client.expiresAt.since(now).microseconds / 1_000_000)
            }
            w.append("}")
        } else {
            w.append("\"static\"")
        }
        let c = counters
        w.append(",\"frames_in\":"); w.appendDecimal(UInt64(widening: c.framesIn))
        w.append(",\"frames_out\":"); w.appendDecimal(UInt64(widening: c.framesOut))
        w.append(",\"bytes_in\":"); w.appendDecimal(UInt64(widening: c.bytesIn))
        w.append(",\"bytes_out\":"); w.appendDecimal(UInt64(widening: c.bytesOut))
        w.append(",\"udp_in\":"); w.appendDecimal(UInt64(widening: c.udpDelivered))
        w.append(",\"udp_out\":"); w.appendDecimal(UInt64(widening: c.udpSent))
        w.append(",\"echo_replies\":"); w.appendDecimal(UInt64(widening: c.echoRepliesSent))
        w.append(",\"arp_replies\":"); w.appendDecimal(UInt64(widening: c.arpRepliesSent))
        w.append(",\"arp_requests\":"); w.appendDecimal(UInt64(widening: c.arpRequestsSent))
        w.append(",\"igmp_reports\":"); w.appendDecimal(UInt64(widening: c.igmpReportsSent))
        w.append(",\"dhcp_sent\":"); w.appendDecimal(UInt64(widening: c.dhcpMessagesSent))
        w.append(",\"drops\":"); w.appendDecimal(UInt64(widening: c.totalDrops))
        // Only the reasons that happened: the full list would be mostly zeros.
        w.append(",\"drops_by_reason\":{")
        var first = true
        for raw in 0..<UInt8(DropReason.count) {
            guard let reason = DropReason(rawValue: raw), c.drops(reason) != 0 else { continue }
            if !first { w.append(",") }
            first = false
            w.append("\""); w.append(reason.name); w.append("\":")
            w.appendDecimal(UInt64(widening: c.drops(reason)))
        }
        w.append("},\"arp_cache\":[")
        first = true
        for i in 0..<arpCache.entries.count where arpCache.isFresh(arpCache.entries[i], now: now) {
            let e = arpCache.entries[i]
            if !first { w.append(",") }
            first = false
            w.append("{\"ip\":\""); w.appendIPv4(e.address)
            w.append("\",\"mac\":\""); w.appendMAC(e.mac)
            w.append("\",\"age_s\":"); w.appendDecimal(now.since(e.refreshed).microseconds / 1_000_000)
            w.append("}")
        }
        w.append("],\"ndp_cache\":[")
        first = true
        for i in 0..<neighborCache.entries.count where neighborCache.isFresh(neighborCache.entries[i], now: now) {
            let e = neighborCache.entries[i]
            if !first { w.append(",") }
            first = false
            w.append("{\"ip\":\""); w.appendIPv6(e.address)
            w.append("\",\"mac\":\""); w.appendMAC(e.mac)
            w.append("\",\"age_s\":"); w.appendDecimal(now.since(e.refreshed).microseconds / 1_000_000)
            w.append("}")
        }
        w.append("],\"arp_evictions\":"); w.appendDecimal(UInt64(widening: arpCache.evictions))
        w.append("}")
    }
}
