import LeveeBase

/// LeveeCoAP's checks that run on the host and on the chip.
public enum CoAPSelfChecks {
    public static func run<R: CheckRecorder>(_ r: inout R) {
        // CON GET, MID 0x1234, token 0xAB, Uri-Path "a", Uri-Path "bc", Accept 0.
        let datagram: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0x41, 0x01, 0x12, 0x34, 0xAB, 0xB1, 0x61, 0x02, 0x62, 0x63, 0x60, 0x00)
        withUnsafeBytes(of: datagram) { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<11])
            do throws(ParseError) {
                let m = try MessageView.parse(bytes)
                r.check(m.type == .confirmable && m.code == .get && m.messageID == 0x1234, "CoAP header parsed")
                r.check(m.token.count == 1 && m.token[0] == 0xAB, "CoAP token parsed")
                r.check(m.optionCount == 3 && m.options[1].number == 11 && m.options[2].number == 17,
                        "CoAP options delta-decoded")
                r.check(pathMatches("/a/bc", m) && !pathMatches("/a", m) && !pathMatches("/a/b", m),
                        "Uri-Path matches whole segments")
            } catch {
                r.check(false, "CoAP header parsed")
            }
        }
        // Token length 9 is a message format error; so is a payload marker with no payload.
        let bad: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0x49, 0x01, 0x00, 0x01, 0xFF)
        withUnsafeBytes(of: bad) { raw in
            r.check(parseError(UnsafeRawBufferPointer(rebasing: raw[0..<4])) == .badTokenLength,
                    "CoAP token length 9 rejected")
        }
        let marker: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0x40, 0x01, 0x00, 0x01, 0xFF)
        withUnsafeBytes(of: marker) { raw in
            r.check(parseError(UnsafeRawBufferPointer(rebasing: raw[0..<5])) == .payloadMarkerWithoutPayload,
                    "CoAP payload marker without payload rejected")
        }
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 4) { buffer in
            var b = MessageBuilder(buffer)
            b.header(type: .acknowledgement, code: .content, messageID: 7, token: UnsafeRawBufferPointer(start: nil, count: 0))
            b.option(OptionNumber.contentFormat, uint: 40)
            b.option(OptionNumber.size1, uint: 300)
            let w = b.written
            // 0x60 0x45 0x00 0x07 | delta 12 len 1: 0xC1 0x28 | delta 48 (13+35) len 2: 0xD2 0x23 0x01 0x2C
            r.check(b.isValid && w.count == 10 && w[4] == 0xC1 && w[5] == 0x28 && w[6] == 0xD2 && w[7] == 35
                    && w[8] == 0x01 && w[9] == 0x2C, "CoAP options delta-encoded")
        }
    }

    static func parseError(_ bytes: UnsafeRawBufferPointer) -> ParseError? {
        do throws(ParseError) {
            _ = try MessageView.parse(bytes)
            return nil
        } catch {
            return error
        }
    }
}
