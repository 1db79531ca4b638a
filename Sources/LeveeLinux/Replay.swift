import Foundation

/// Real daily weather for the simulator: rainfall and gauged flow in the CSV format of the NRFA
/// files in `../shared/data/nrfa-55002/` (`date,rainfall_mm` and `date,flow_m3s`). Field time 0
/// is the first day both series have; rain falls evenly over its day and flow is interpolated
/// between daily means (placed at noon). Time compression is the node's business (`--speed`).
public struct ReplaySource: Sendable {
    /// The first day (YYYY-MM-DD).
    public let startDate: String
    public let rainfall: [Double]       // mm/day, one per day from startDate
    public let flows: [Double]          // m³/s
    /// Days without a gauged flow, filled with the day before's.
    public let missingFlowDays: Int

    public var days: Int { min(rainfall.count, flows.count) }

    /// Reads both files; `from` (YYYY-MM-DD) starts later than the first common day, `days` limits
    /// the length.
    public init(rainfallCSV: URL, flowCSV: URL, from start: String? = nil, days limit: Int? = nil) throws {
        let rain = try ReplaySource.read(rainfallCSV)
        let flow = try ReplaySource.read(flowCSV)
        let flowByDate = Dictionary(flow.map { ($0.date, $0.value) }, uniquingKeysWith: { a, _ in a })
        var dates: [String] = []
        var rainfall: [Double] = []
        var flows: [Double] = []
        var missing = 0
        for (date, value) in rain where start.map({ date >= $0 }) ?? true {
            // A day without gauged flow keeps the day before's (the record has a few gaps).
            guard let q = flowByDate[date] ?? flows.last else { continue }
            if flowByDate[date] == nil { missing += 1 }
            dates.append(date)
            rainfall.append(value)
            flows.append(q)
            if let limit, dates.count >= limit { break }
        }
        guard let first = dates.first else {
            throw ScenarioError.replay("no day with both rainfall and flow in \(rainfallCSV.path) and \(flowCSV.path)")
        }
        startDate = first
        missingFlowDays = missing
        self.rainfall = rainfall
        self.flows = flows
    }

    /// The NRFA station files in a directory (`rainfall-daily-*.csv`, `flow-daily-*.csv`).
    public init(directory: URL, from start: String? = nil, days: Int? = nil) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard let rain = names.first(where: { $0.hasPrefix("rainfall-daily") && $0.hasSuffix(".csv") }),
              let flow = names.first(where: { $0.hasPrefix("flow-daily") && $0.hasSuffix(".csv") }) else {
            throw ScenarioError.replay("no rainfall-daily-*.csv and flow-daily-*.csv in \(directory.path)")
        }
        try self.init(rainfallCSV: directory.appendingPathComponent(rain),
                      flowCSV: directory.appendingPathComponent(flow), from: start, days: days)
    }

    /// Rain intensity (mm/h) at field second `t`.
    public func rainfall(atSeconds t: Double) -> Double {
        let day = Int(t / 86400)
        guard day >= 0, day < days else { return 0 }
        return rainfall[day] / 24
    }

    /// Flow (m³/s) at field second `t`, linear between the daily means at noon.
    public func flow(atSeconds t: Double) -> Double {
        let position = t / 86400 - 0.5
        let day = Int(position.rounded(.down))
        guard day >= 0 else { return flows[0] }
        guard day + 1 < days else { return flows[days - 1] }
        let fraction = position - Double(day)
        return flows[day] * (1 - fraction) + flows[day + 1] * fraction
    }

    static func read(_ url: URL) throws -> [(date: String, value: Double)] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [(String, Double)] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count >= 2, let value = Double(fields[1].trimmingCharacters(in: .whitespaces)) else { continue }
            rows.append((String(fields[0]), value))
        }
        return rows
    }
}
