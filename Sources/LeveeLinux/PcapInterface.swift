import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// A network interface opened with libpcap for raw Ethernet: frames in (promiscuous, immediate,
/// inbound only so our own injected frames do not come back) and frames out (`pcap_inject`).
/// Needs root or CAP_NET_RAW.
public final class PcapInterface {
    let handle: OpaquePointer
    /// A descriptor to poll(2) on: readable when frames are waiting.
    public let selectableDescriptor: Int32
    public private(set) var injectErrors: UInt64 = 0

    public init(interface: String) throws(LANError) {
        var errorText = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let p = pcap_create(interface, &errorText) else {
            throw .pcap("pcap_create \(interface)", Self.text(errorText))
        }
        // Snap length above the largest frame; promiscuous because our MAC is not the interface's;
        // immediate mode so each frame is handed over at once rather than in buffered batches.
        pcap_set_snaplen(p, 2048)
        pcap_set_promisc(p, 1)
        pcap_set_immediate_mode(p, 1)
        pcap_set_buffer_size(p, 4 << 20)
        let status = pcap_activate(p)
        if status < 0 {
            let text = String(cString: pcap_geterr(p))
            pcap_close(p)
            throw .pcap("pcap_activate \(interface)", text)
        }
        guard pcap_datalink(p) == DLT_EN10MB else {
            pcap_close(p)
            throw .pcap("pcap_datalink \(interface)", "not an Ethernet interface")
        }
        // Inbound only: on Linux a packet socket also sees what we inject.
        if pcap_setdirection(p, PCAP_D_IN) != 0 {
            let text = String(cString: pcap_geterr(p))
            pcap_close(p)
            throw .pcap("pcap_setdirection", text)
        }
        guard pcap_setnonblock(p, 1, &errorText) == 0 else {
            pcap_close(p)
            throw .pcap("pcap_setnonblock", Self.text(errorText))
        }
        handle = p
        selectableDescriptor = pcap_get_selectable_fd(p)
    }

    deinit { pcap_close(handle) }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Keeps only frames for `mac`, broadcast or multicast in the kernel, so the stack does not
    /// wake for other hosts' unicast traffic (the stack still checks: this is an optimisation).
    public func filter(to mac: String) throws(LANError) {
        var program = bpf_program()
        let expression = "ether dst \(mac) or ether broadcast or ether multicast"
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw .pcap("pcap_compile", String(cString: pcap_geterr(handle)))
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw .pcap("pcap_setfilter", String(cString: pcap_geterr(handle)))
        }
    }

    /// The next waiting frame, valid until the next call; nil when none is waiting.
    public func nextFrame() -> UnsafeRawBufferPointer? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        guard pcap_next_ex(handle, &header, &data) == 1, let h = header, let d = data else { return nil }
        return UnsafeRawBufferPointer(start: d, count: Int(h.pointee.caplen))
    }

    /// Sends one frame as is (the stack wrote our own source MAC into it).
    public func inject(_ frame: UnsafeRawBufferPointer) {
        guard let base = frame.baseAddress else { return }
        if pcap_inject(handle, base, frame.count) != frame.count { injectErrors += 1 }
    }
}

public enum LANError: Error, CustomStringConvertible {
    case pcap(String, String)
    case badOption(String)
    case system(String, Int32)

    public var description: String {
        switch self {
        case .pcap(let call, let text): return "\(call): \(text)"
        case .badOption(let text): return text
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        }
    }
}
