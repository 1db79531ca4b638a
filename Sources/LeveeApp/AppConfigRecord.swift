import LeveeBase
import LeveeNet

/// Which part of a configuration is unacceptable (what a 4.00 response or a log names).
public enum ConfigField: UInt8, Sendable {
    case periods, stageThresholds, porePressureThresholds, tiltThresholds
    case rateWindow, driftWindow, holds, recoverySamples, missingLimit
    case floodFlow, rating, observeInterval
}

public enum ConfigError: Error, Equatable, Sendable {
    case truncated
    /// Not a configuration record (erased flash reads 0xFF).
    case notARecord
    case unsupportedVersion(UInt8)
    case checksum
    case invalid(ConfigField)
}

/// The configuration as a flash record and as the `/config` payload.
///
/// Record: "LVCF", version 1, a reserved zero byte (keeps the checksum word-aligned), the fields big-endian in declaration order (floats as their bit
/// patterns), then the Internet checksum of everything before it. Time compression is not in it:
/// that is the board's setting, not the operator's.
extension AppConfig {
    /// 2: the rain gauge's period (10 channels).
    public static let recordVersion: UInt8 = 2
    /// 4 + 1 + 1 + 10×4 + 9×4 + 4×4 + 2×2 + 4 + 3×4 + 4 + 2 bytes.
    public static let recordSize = 124

    /// The first unacceptable field, nil when the configuration may be used.
    public func invalidField() -> ConfigField? {
        for i in 0..<Channel.count where periods[i] < 1 || periods[i] > 86_400 { return .periods }
        func ordered(_ t: RiskThresholds) -> Bool {
            t.watch.isFinite && t.warning.isFinite && t.danger.isFinite && t.watch <= t.warning && t.warning <= t.danger
        }
        guard ordered(stage) else { return .stageThresholds }
        guard ordered(porePressureRise), porePressureRise.watch > 0 else { return .porePressureThresholds }
        guard ordered(tiltRate), tiltRate.watch > 0 else { return .tiltThresholds }
        guard rateWindowSeconds >= 600, rateWindowSeconds <= 86_400 else { return .rateWindow }
        guard driftWindowSeconds >= 300, driftWindowSeconds <= rateWindowSeconds else { return .driftWindow }
        guard raiseHoldSeconds <= 86_400, clearHoldSeconds <= 86_400 else { return .holds }
        guard recoverySamples >= 1, recoverySamples <= 1000 else { return .recoverySamples }
        guard missingLimit >= 1, missingLimit <= 1000 else { return .missingLimit }
        guard floodFlow.isFinite, floodFlow > 0 else { return .floodFlow }
        guard rating.a.isFinite, rating.a > 0, rating.b.isFinite, rating.b > 0, rating.h0.isFinite else { return .rating }
        guard observeMaxIntervalSeconds >= 1, observeMaxIntervalSeconds <= 86_400 else { return .observeInterval }
        return nil
    }

    public func writeRecord(into writer: inout ByteWriter) {
        let start = writer.count
        writer.append("LVCF")
        writer.append(AppConfig.recordVersion)
        writer.append(UInt8(0))
        for i in 0..<Channel.count { writer.appendBigEndian(periods[i]) }
        for k in 0..<3 {
            let t = k == 0 ? stage : k == 1 ? porePressureRise : tiltRate
            writer.appendBigEndian(t.watch.bitPattern)
            writer.appendBigEndian(t.warning.bitPattern)
            writer.appendBigEndian(t.danger.bitPattern)
        }
        writer.appendBigEndian(rateWindowSeconds)
        writer.appendBigEndian(driftWindowSeconds)
        writer.appendBigEndian(raiseHoldSeconds)
        writer.appendBigEndian(clearHoldSeconds)
        writer.appendBigEndian(recoverySamples)
        writer.appendBigEndian(missingLimit)
        writer.appendBigEndian(floodFlow.bitPattern)
        writer.appendBigEndian(rating.a.bitPattern)
        writer.appendBigEndian(rating.b.bitPattern)
        writer.appendBigEndian(rating.h0.bitPattern)
        writer.appendBigEndian(observeMaxIntervalSeconds)
        guard !writer.overflowed else { return }
        var checksum = InternetChecksum()
        checksum.add(UnsafeRawBufferPointer(rebasing: writer.written[start...]))
        writer.appendBigEndian(checksum.value)
    }

    /// Reads a record written by `writeRecord`, checking it whole before using any of it; time
    /// compression comes from `base` (the board's).
    public init(record: UnsafeRawBufferPointer, base: AppConfig = AppConfig()) throws(ConfigError) {
        guard record.count >= AppConfig.recordSize else { throw .truncated }
        guard record[0] == 0x4C, record[1] == 0x56, record[2] == 0x43, record[3] == 0x46 else { throw .notARecord }
        guard record[4] == AppConfig.recordVersion else { throw .unsupportedVersion(record[4]) }
        var checksum = InternetChecksum()
        checksum.add(UnsafeRawBufferPointer(rebasing: record[0..<AppConfig.recordSize]))
        guard checksum.verifies else { throw .checksum }
        var reader = ByteReader(record, offset: 6)
        var config = base
        for i in 0..<Channel.count { config.periods[i] = reader.readBigEndianU32() ?? 0 }
        func thresholds(_ reader: inout ByteReader) -> RiskThresholds {
            RiskThresholds(watch: Float(bitPattern: reader.readBigEndianU32() ?? 0),
                           warning: Float(bitPattern: reader.readBigEndianU32() ?? 0),
                           danger: Float(bitPattern: reader.readBigEndianU32() ?? 0))
        }
        config.stage = thresholds(&reader)
        config.porePressureRise = thresholds(&reader)
        config.tiltRate = thresholds(&reader)
        config.rateWindowSeconds = reader.readBigEndianU32() ?? 0
        config.driftWindowSeconds = reader.readBigEndianU32() ?? 0
        config.raiseHoldSeconds = reader.readBigEndianU32() ?? 0
        config.clearHoldSeconds = reader.readBigEndianU32() ?? 0
        config.recoverySamples = reader.readBigEndianU16() ?? 0
        config.missingLimit = reader.readBigEndianU16() ?? 0
        config.floodFlow = Float(bitPattern: reader.readBigEndianU32() ?? 0)
        config.rating = RatingCurve(a: Float(bitPattern: reader.readBigEndianU32() ?? 0),
                                    b: Float(bitPattern: reader.readBigEndianU32() ?? 0),
                                    h0: Float(bitPattern: reader.readBigEndianU32() ?? 0))
        config.observeMaxIntervalSeconds = reader.readBigEndianU32() ?? 0
        if let field = config.invalidField() { throw .invalid(field) }
        self = config
    }
}
