import LeveeBase

/// A `/.well-known/core` query filter (RFC 6690 §4.1): `name=value`, with a trailing `*` matching
/// any value that starts with the rest. Filters on `rt`, `if`, `ct` and `href`; a resource that
/// lacks the attribute does not match.
struct LinkFilter {
    enum Attribute { case resourceType, interface, contentFormat, href, other }
    var attribute: Attribute
    var value: UnsafeRawBufferPointer
    var prefix: Bool

    /// The first Uri-Query of `request`, if it is `name=value`.
    init?(_ request: MessageView) {
        guard let option = request.first(OptionNumber.uriQuery) else { return nil }
        let query = request.value(of: option)
        var equals = -1
        for i in 0..<query.count where query[i] == UInt8(ascii: "=") {
            equals = i
            break
        }
        guard equals > 0 else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: query[0..<equals])
        if same(name, "rt") {
            attribute = .resourceType
        } else if same(name, "if") {
            attribute = .interface
        } else if same(name, "ct") {
            attribute = .contentFormat
        } else if same(name, "href") {
            attribute = .href
        } else {
            attribute = .other
        }
        var rest = UnsafeRawBufferPointer(rebasing: query[(equals + 1)...])
        prefix = rest.count > 0 && rest[rest.count - 1] == UInt8(ascii: "*")
        if prefix { rest = UnsafeRawBufferPointer(rebasing: rest[0..<rest.count - 1]) }
        value = rest
    }

    func matches(_ resource: ResourceDescriptor) -> Bool {
        switch attribute {
        case .resourceType: return resource.resourceType.withUTF8Buffer { anyWord(UnsafeRawBufferPointer($0)) }
        case .interface: return resource.interface.withUTF8Buffer { anyWord(UnsafeRawBufferPointer($0)) }
        case .href: return resource.path.withUTF8Buffer { matchesValue(UnsafeRawBufferPointer($0)) }
        case .contentFormat:
            var found = false
            resource.formats.forEach { format in
                var digits: (UInt64, UInt64) = (0, 0)
                withUnsafeMutableBytes(of: &digits) { raw in
                    var writer = ByteWriter(raw)
                    writer.appendDecimal(UInt64(widening: format))
                    if matchesValue(writer.written) { found = true }
                }
            }
            return found
        case .other: return false
        }
    }

    /// Whether any space-separated word of `list` matches (rt and if may hold several).
    private func anyWord(_ list: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        for i in 0...list.count where i == list.count || list[i] == UInt8(ascii: " ") {
            if i > start && matchesValue(UnsafeRawBufferPointer(rebasing: list[start..<i])) { return true }
            start = i + 1
        }
        return false
    }

    private func matchesValue(_ candidate: UnsafeRawBufferPointer) -> Bool {
        if prefix {
            guard candidate.count >= value.count else { return false }
        } else {
            guard candidate.count == value.count else { return false }
        }
        for i in 0..<value.count where candidate[i] != value[i] { return false }
        return true
    }
}

func same(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
    text.withUTF8Buffer { t in
        guard t.count == bytes.count else { return false }
        for i in 0..<t.count where t[i] != bytes[i] { return false }
        return true
    }
}

/// Writes one resource as a link (RFC 6690): `</path>;rt="…";if="…";ct=N;obs;sz=N`.
func writeLink(_ resource: ResourceDescriptor, first: Bool, into response: inout ResponseWriter) {
    if !first { response.payload(",") }
    response.payload("<")
    response.payload(resource.path)
    response.payload(">")
    if resource.resourceType.utf8CodeUnitCount > 0 {
        response.payload(";rt=\"")
        response.payload(resource.resourceType)
        response.payload("\"")
    }
    if resource.interface.utf8CodeUnitCount > 0 {
        response.payload(";if=\"")
        response.payload(resource.interface)
        response.payload("\"")
    }
    var formats = 0
    resource.formats.forEach { _ in formats += 1 }
    if formats > 0 {
        response.payload(formats > 1 ? ";ct=\"" : ";ct=")
        var index = 0
        resource.formats.forEach { format in
            if index > 0 { response.payload(" ") }
            response.payload(decimal: UInt32(format))
            index += 1
        }
        if formats > 1 { response.payload("\"") }
    }
    if resource.observable { response.payload(";obs") }
    if resource.sizeHint > 0 {
        response.payload(";sz=")
        response.payload(decimal: resource.sizeHint)
    }
}
