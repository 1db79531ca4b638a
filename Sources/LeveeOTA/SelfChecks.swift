import LeveeBase
import LeveeCrypto

/// LeveeOTA's own checks, run on the host and on the chip (see `CheckRecorder`): the valid
/// envelope of fixtures/updates (made by pycose) verifies, and with one module byte changed it
/// does not.
public enum OTASelfChecks {
    /// fixtures/updates/valid.cose and its signer (a test key: never trusted on a real node).
    static let envelope: StaticString = "d28451a20127044c6c657665652d746573742d31a0589982a701030200031846045820f77a2498d76261b27ff29b18a78628175cef79570ab0589fe31cc13d4dc880a0058166617373657373068182656c657665656c726561645f6368616e6e656c071a0001000058460061736d01000000010a0260017f017f6000017f021601056c657665650c726561645f6368616e6e656c000003020101070a010661737365737300010a08010600410010000b5840052b79cb57e88d330b001bcc700a3dd3eee9fbb3a46f0ac2eb694715efcc32fa5c4fd65c39e6b8f05e34d6ab916de4adffa2faf8d3c6a201ef9410c1195c3905"
    static let publicKey: StaticString = "28d9a014b13b35a13d5cbd2337c148dc02870357c7d708214f7ce1a17737ec47"
    static let keyID: StaticString = "levee-test-1"

    public static func run<R: CheckRecorder>(_ r: inout R) {
        var scratch = InlineArray<288, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            let keyBytes = UnsafeMutableRawBufferPointer(rebasing: raw[256..<288])
            let length = decodeHex(envelope, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<256]))
            _ = decodeHex(publicKey, into: keyBytes)
            var keys = TrustedKeys<2>()
            let added = keyID.withUTF8Buffer { kid in
                TrustedKey(keyID: UnsafeRawBufferPointer(kid), publicKey: UnsafeRawBufferPointer(keyBytes)).map { keys.add($0) }
            }
            r.check(added == true, "OTA trusted-key table takes a key")
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<length])
            var module = 0..<0
            var version: UInt64 = 0
            do throws(UpdateError) {
                let update = try UpdateVerifier.verify(envelope: bytes, trustedKeys: keys)
                module = update.module
                version = update.manifest.version
            } catch {}
            r.check(module.count == 70 && version == 3, "OTA verifies a pycose COSE_Sign1 update")
            if module.count > 0 { raw[module.lowerBound + 20] ^= 0x01 }
            var refused = false
            do throws(UpdateError) {
                _ = try UpdateVerifier.verify(envelope: bytes, trustedKeys: keys)
            } catch {
                refused = error == .badSignature(.mismatch)
            }
            r.check(refused, "OTA refuses an update with a changed module byte")
        }
        runJournal(&r)
    }

    /// The swap journal on a tiny flash in RAM (8 sectors of 64 bytes, two records a sector):
    /// records survive a rescan, the sectors are used in turn, and a record cut after any word
    /// leaves the previous state.
    static func runJournal<R: CheckRecorder>(_ r: inout R) {
        var memory = InlineArray<512, UInt8>(repeating: 0xFF)
        withUnsafeMutableBytes(of: &memory) { raw in
            let layout = FlashLayout(geometry: FlashGeometry(sectorSize: 64, sectorCount: 8), sectorsPerSlot: 1)
            guard var flash = MemoryFlash(region: raw, geometry: layout.geometry), layout.fits else {
                r.check(false, "OTA journal: the small flash model")
                return
            }
            var journal = SlotJournal(layout: layout)
            journal.scan(flash)
            var appended = journal.current == .initial
            var version: UInt32 = 1
            while version <= 5 {   // (UInt64(truncatingIfNeeded:) of an Int pulls in [UInt] on the chip)
                appended = appended && journal.append(JournalRecord(active: UInt8(truncatingIfNeeded: version % 3),
                                                                    highestVersion: UInt64(widening: version)), to: &flash)
                version += 1
            }
            var reread = SlotJournal(layout: layout)
            reread.scan(flash)
            r.check(appended && reread.current == journal.current && reread.current.highestVersion == 5,
                    "OTA journal: five records over both sectors, the newest wins")
            var torn = true
            for cut in 0..<UInt32(8) {
                flash.powerLossAfter = flash.operations &+ cut
                var copy = reread
                torn = torn && !copy.append(JournalRecord(active: 2, highestVersion: 99), to: &flash)
                flash.powerLossAfter = nil
                var after = SlotJournal(layout: layout)
                after.scan(flash)
                torn = torn && after.current == journal.current
                reread = after
            }
            r.check(torn, "OTA journal: a record cut after any word is ignored")
        }
    }

    /// Decodes a lowercase hex literal into `output`; returns the number of bytes written.
    private static func decodeHex(_ text: StaticString, into output: UnsafeMutableRawBufferPointer) -> Int {
        text.withUTF8Buffer { digits in
            var i = 0
            while i + 1 < digits.count && i / 2 < output.count {
                output[i / 2] = nibble(digits[i]) &<< 4 | nibble(digits[i + 1])
                i += 2
            }
            return i / 2
        }
    }

    private static func nibble(_ digit: UInt8) -> UInt8 {
        digit >= UInt8(ascii: "a") ? digit &- UInt8(ascii: "a") &+ 10 : digit &- UInt8(ascii: "0")
    }
}
