import LeveeApp
import LeveeBase
import LeveeCoAP
import XCTest

/// Request handling: methods, formats, discovery, deduplication, separate responses.
final class ServerTests: XCTestCase {
    func testPiggybackedResponseCarriesMIDTokenETag() throws {
        let h = Harness()
        let r = try XCTUnwrap(h.send(Message.request(.get, "sys/firmware", id: 0x1234, token: [1, 2, 3])))
        XCTAssertEqual(r.type, .acknowledgement)
        XCTAssertEqual(r.messageID, 0x1234)
        XCTAssertEqual(r.token, [1, 2, 3])
        XCTAssertEqual(r.uint(OptionNumber.contentFormat), 0)
        XCTAssertEqual(r.values(OptionNumber.eTag).first?.count, 4)
        // The same ETag back: 2.03 Valid with no payload.
        var conditional = Message.request(.get, "sys/firmware", id: 0x1235)
        conditional.options.append((OptionNumber.eTag, r.values(OptionNumber.eTag)[0]))
        let valid = try XCTUnwrap(h.send(conditional))
        XCTAssertEqual(valid.code, .valid)
        XCTAssertTrue(valid.payload.isEmpty)
        // NON request: NON response with a new MID.
        let non = try XCTUnwrap(h.send(Message.request(.get, "sys/firmware", type: .nonConfirmable, id: 0x1236)))
        XCTAssertEqual(non.type, .nonConfirmable)
        XCTAssertNotEqual(non.messageID, 0x1236)
    }

    func testMethodAndFormatErrors() throws {
        let h = Harness()
        XCTAssertEqual(h.send(Message.request(.put, "sys/firmware"))?.code, .methodNotAllowed)
        XCTAssertEqual(h.send(Message.request(Code(0, 5), "sys/firmware", id: 2))?.code, .methodNotAllowed, "FETCH")
        XCTAssertEqual(h.send(Message.request(.get, "nothing/here", id: 3))?.code, .notFound)
        XCTAssertEqual(h.send(Message.request(.get, "sys/firmware", id: 4).with(OptionNumber.accept, uint: 60))?.code,
                       .notAcceptable)
        XCTAssertEqual(h.send(Message.request(.get, "sys/firmware", id: 5).with(OptionNumber.accept, uint: 0))?.code,
                       .content)
        let cbor = Message.request(.put, "test/store", id: 6).with(OptionNumber.contentFormat, uint: 60).with(payload: [1])
        XCTAssertEqual(h.send(cbor)?.code, .unsupportedContentFormat)
        let big = Message.request(.put, "test/store", id: 7).with(payload: [UInt8](repeating: 1, count: 65))
        let tooLarge = try XCTUnwrap(h.send(big))
        XCTAssertEqual(tooLarge.code, .requestEntityTooLarge)
        XCTAssertEqual(tooLarge.uint(OptionNumber.size1), 64)
        XCTAssertEqual(h.node.counters.responses4xx, 6)
    }

    func testStorePutPostDeleteAndObserversSeeTheChange() throws {
        let h = Harness()
        let put = Message.request(.put, "test/store", id: 1).with(OptionNumber.contentFormat, uint: 0).with(payload: Array("abc".utf8))
        XCTAssertEqual(h.send(put)?.code, .changed)
        XCTAssertEqual(h.send(Message.request(.post, "test/store", id: 2).with(payload: Array("de".utf8)))?.code, .changed)
        XCTAssertEqual(h.send(Message.request(.get, "test/store", id: 3))?.text, "abcde")
        XCTAssertEqual(h.send(Message.request(.delete, "test/store", id: 4))?.code, .deleted)
        XCTAssertEqual(h.send(Message.request(.get, "test/store", id: 5))?.code, .notFound)
        XCTAssertEqual(h.send(Message.request(.put, "test/store", id: 6).with(payload: Array("x".utf8)))?.code, .created)
        // An observer of the store is notified at once when a PUT changes it.
        let other = Endpoint(ipv4: 0x7F00_0002, port: 5000)
        let registration = try XCTUnwrap(h.send(Message.request(.get, "test/store", id: 7, token: [7]).with(OptionNumber.observe, uint: 0), from: other))
        XCTAssertNotNil(registration.uint(OptionNumber.observe))
        XCTAssertNil(h.outgoing(), "no change yet")
        _ = h.send(Message.request(.put, "test/store", id: 8).with(payload: Array("y".utf8)))
        let (to, notification) = try XCTUnwrap(h.outgoing())
        XCTAssertEqual(to, other)
        XCTAssertEqual(notification.token, [7])
        XCTAssertEqual(notification.text, "y")
        XCTAssertGreaterThan(try XCTUnwrap(notification.uint(OptionNumber.observe)), try XCTUnwrap(registration.uint(OptionNumber.observe)))
        XCTAssertTrue(notification.values(OptionNumber.uriPath).isEmpty, "notifications carry no Uri-Path")
    }

    func testDiscoveryAndFilters() throws {
        let h = Harness()
        func links(_ query: [String], id: UInt16) throws -> [String] {
            let r = try XCTUnwrap(h.send(Message.request(.get, ".well-known/core", id: id, query: query)))
            XCTAssertEqual(r.code, .content)
            XCTAssertEqual(r.uint(OptionNumber.contentFormat), 40)
            return r.text.isEmpty ? [] : r.text.split(separator: ",").map { String($0.split(separator: ";")[0]) }
        }
        // The whole listing is larger than a block since the levee resources came: its first block,
        // then the test group through a filter.
        let all = try links([], id: 1)
        XCTAssertTrue(all.contains("</sys/coap>") && all.contains("</sys/uptime>") && all.contains("</sensors/stage>"), "\(all)")
        let full = try XCTUnwrap(h.send(Message.request(.get, ".well-known/core", id: 2, query: ["href=/test/*"]))).text
        XCTAssertTrue(full.contains("</test/ticker>;rt=\"levee.test.ticker\";if=\"core.s\";ct=0;obs"), full)
        XCTAssertTrue(full.contains("</test/blob>;rt=\"levee.test.blob\";if=\"core.rp\";ct=0;sz=5120"), full)
        XCTAssertEqual(try links(["rt=levee.test.ticker"], id: 3), ["</test/ticker>"])
        XCTAssertEqual(try links(["rt=levee.test.b*"], id: 4), ["</test/blob>"])
        XCTAssertEqual(try links(["if=core.p"], id: 5), ["</config>", "</test/store>", "</test/upload>", "</test/counter>"])
        XCTAssertEqual(try links(["href=/sys/*"], id: 6), ["</sys/coap>", "</sys/uptime>", "</sys/firmware>", "</sys/tasks>", "</sys/net>"])
        XCTAssertEqual(try links(["ct=50"], id: 7), ["</sys/coap>", "</sys/net>"])
        XCTAssertEqual(try links(["rt=nothing"], id: 8), [])
        XCTAssertEqual(try links(["foo=bar"], id: 9), [])
    }

    func testRetransmittedConIsAnsweredFromCacheWithoutRunningTheHandler() throws {
        let h = Harness()
        let post = Message.request(.post, "test/counter", id: 0x4242, token: [4])
        let first = try XCTUnwrap(h.sendRaw(post.encode()))
        h.advance(.seconds(2))
        let second = try XCTUnwrap(h.sendRaw(post.encode()))
        XCTAssertEqual(first, second, "byte-identical response")
        XCTAssertEqual(h.node.resources.test.counterRuns, 1, "handler ran once")
        XCTAssertEqual(h.node.counters.duplicates, 1)
        // Another client may use the same MID: a different exchange.
        _ = h.send(post, from: Endpoint(ipv4: 0x7F00_0003, port: 1))
        XCTAssertEqual(h.node.resources.test.counterRuns, 2)
        // After EXCHANGE_LIFETIME the MID is fresh again.
        h.advance(.seconds(250))
        _ = h.send(post)
        XCTAssertEqual(h.node.resources.test.counterRuns, 3)
        // A repeated NON is ignored.
        let non = Message.request(.post, "test/counter", type: .nonConfirmable, id: 0x4343)
        XCTAssertNotNil(h.sendRaw(non.encode()))
        XCTAssertNil(h.sendRaw(non.encode()))
        XCTAssertEqual(h.node.resources.test.counterRuns, 4)
        XCTAssertEqual(h.node.counters.duplicatesIgnored, 1)
        XCTAssertEqual(h.node.counters.dedupEvictions, 0)
    }

    func testDedupCacheEvictsOldestFirstAndCountsIt() throws {
        let h = Harness()
        // More live exchanges than entries: the oldest are dropped and counted.
        for id in UInt16(1)...100 { _ = h.send(Message.request(.post, "test/counter", id: id)) }
        XCTAssertEqual(h.node.resources.test.counterRuns, 100)
        let evicted = h.node.counters.dedupEvictions
        XCTAssertEqual(evicted, 100 - 24)
        // The newest are still answered from the cache; the oldest run the handler again.
        _ = h.send(Message.request(.post, "test/counter", id: 100))
        XCTAssertEqual(h.node.resources.test.counterRuns, 100)
        _ = h.send(Message.request(.post, "test/counter", id: 1))
        XCTAssertEqual(h.node.resources.test.counterRuns, 101)
        // Large responses share the arena: 1 KiB blocks push out older entries by bytes.
        for id in UInt16(200)..<210 { _ = h.send(Message.request(.get, "test/blob", id: id).with(OptionNumber.block2, uint: 6)) }
        _ = h.send(Message.request(.get, "test/blob", id: 209).with(OptionNumber.block2, uint: 6))
        XCTAssertEqual(h.node.counters.duplicates, 2)
    }

    func testSeparateResponseIsRetransmittedUntilAcknowledged() throws {
        let h = Harness()
        let ack = try XCTUnwrap(h.send(Message.request(.get, "test/slow", id: 0x0500, token: [5, 5])))
        XCTAssertEqual(ack.type, .acknowledgement)
        XCTAssertEqual(ack.code, .empty)
        XCTAssertEqual(ack.messageID, 0x0500)
        XCTAssertNil(h.outgoing(), "not ready yet")
        let (to, response) = try XCTUnwrap(h.advanceToDeadline())
        XCTAssertEqual(to, h.client)
        XCTAssertEqual(response.type, .confirmable)
        XCTAssertEqual(response.token, [5, 5])
        XCTAssertEqual(response.text, "slow")
        // No ACK: retransmitted with the same MID after 2–3 s.
        let sentAt = h.clock.now()
        let (_, again) = try XCTUnwrap(h.advanceToDeadline())
        XCTAssertEqual(again.messageID, response.messageID)
        let wait = h.clock.now().since(sentAt).microseconds
        XCTAssertTrue((2_000_000..<3_000_000).contains(wait), "first timeout \(wait) µs")
        // The ACK ends it.
        XCTAssertNil(h.sendRaw([0x60, 0x00, UInt8(response.messageID >> 8), UInt8(response.messageID & 0xFF)]))
        XCTAssertNil(h.node.nextDeadline())
        XCTAssertEqual(h.node.counters.acknowledgements, 1)
        XCTAssertEqual(h.node.counters.separateResponses, 1)
    }

    func testStatusResource() throws {
        let h = Harness()
        _ = h.sendRaw([0x40, 0x01, 0x00, 0x01, 0xFF])
        let status = try XCTUnwrap(h.send(Message.request(.get, "sys/coap", id: 9)))
        XCTAssertEqual(status.uint(OptionNumber.contentFormat), 50)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.payload)) as? [String: Int])
        XCTAssertEqual(json["malformed"], 1)
        XCTAssertEqual(json["requests"], 1)
        XCTAssertEqual(json["observers"], 0)
    }

    func testConditionalRequests() throws {
        let h = Harness()
        _ = h.send(Message.request(.put, "test/store", id: 1).with(payload: Array("v1".utf8)))
        let current = try XCTUnwrap(h.send(Message.request(.get, "test/store", id: 2)))
        let etag = try XCTUnwrap(current.values(OptionNumber.eTag).first)
        var stale = Message.request(.put, "test/store", id: 3).with(payload: Array("v2".utf8))
        stale.options.append((OptionNumber.ifMatch, [0, 0, 0, 1]))
        XCTAssertEqual(h.send(stale)?.code, .preconditionFailed)
        var fresh = Message.request(.put, "test/store", id: 4).with(payload: Array("v2".utf8))
        fresh.options.append((OptionNumber.ifMatch, etag))
        XCTAssertEqual(h.send(fresh)?.code, .changed)
        var create = Message.request(.put, "test/store", id: 5).with(payload: Array("v3".utf8))
        create.options.append((OptionNumber.ifNoneMatch, []))
        XCTAssertEqual(h.send(create)?.code, .preconditionFailed, "it exists")
        _ = h.send(Message.request(.delete, "test/store", id: 6))
        create.messageID = 7
        XCTAssertEqual(h.send(create)?.code, .created)
        XCTAssertEqual(h.send(Message.request(.get, "test/store", id: 8))?.text, "v3")
    }
}
