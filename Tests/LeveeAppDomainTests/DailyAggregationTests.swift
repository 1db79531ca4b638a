import Foundation
import LeveeApp
import LeveeBase
import LeveeLinux
import XCTest

/// The day the node hands to the risk module's forecast: mean flow through the rating curve, the
/// rain gauge's sum, the field-day boundary; field time is the test's clock (no real time passes).
final class DailyAggregationTests: XCTestCase {
    let rating = RatingCurve.gauge

    /// Q = a·(h − h0)^b in doubles, the reference for the node's f32 ln/exp.
    func referenceFlow(_ stage: Double) -> Double {
        Double(rating.a) * pow(max(stage - Double(rating.h0), 0), Double(rating.b))
    }

    func testRatingCurveMatchesTheSimulatorsInverse() {
        for flow in [0.5, 25.0, 216.074, 800.0] {
            let stage = LeveeSimulator.stage(forFlow: flow)
            XCTAssertEqual(Double(rating.flow(atStage: Float(stage))), flow, accuracy: flow * 1e-5, "at \(stage) m")
        }
        XCTAssertEqual(rating.flow(atStage: 0.1), 0, "no flow below h0")
        XCTAssertTrue(rating.flow(atStage: .nan).isNaN)
    }

    func testADayIsSummedAndAveragedAndHandedOverAtTheBoundary() {
        var daily = DailyAggregator()
        var stages: [Double] = []
        var rain = 0.0
        // A stage reading every 10 field minutes through day 0, rising 1 → 4 m; rain every 10 minutes.
        for step in 0..<144 {
            let seconds = UInt32(step * 600)
            let stage = 1 + 3 * Double(step) / 143
            let mm: Float = step % 3 == 0 ? 0.4 : 0
            stages.append(stage)
            // The reading at 0 s reports the rain before boot: it belongs to day 0 all the same.
            rain += Double(mm)
            XCTAssertNil(daily.add(stage: Float(stage), rainfall: mm, at: seconds, rating: rating), "still day 0 at \(seconds) s")
        }
        // Midnight: the rain reading reports the last 10 minutes of day 0; the stage is day 1's.
        let summary = daily.add(stage: 9, rainfall: 1.2, at: 86_400, rating: rating)
        XCTAssertNotNil(summary)
        XCTAssertEqual(summary?.day, 0)
        XCTAssertEqual(Double(summary?.rainfallMM ?? 0), rain + 1.2, accuracy: 1e-4)
        let meanFlow = stages.map(referenceFlow).reduce(0, +) / Double(stages.count)
        XCTAssertEqual(Double(summary?.meanFlow ?? 0), meanFlow, accuracy: meanFlow * 1e-5, "mean of the flows, not the flow of the mean stage")
        XCTAssertEqual(daily.day, 1)

        // Day 1 got the midnight stage only, and no rain reading: its rainfall is unknown (NaN).
        let next = daily.add(stage: nil, rainfall: nil, at: 2 * 86_400 + 5, rating: rating)
        XCTAssertEqual(next?.day, 1)
        XCTAssertEqual(Double(next?.meanFlow ?? 0), referenceFlow(9), accuracy: referenceFlow(9) * 1e-5)
        XCTAssertTrue(next?.rainfallMM.isNaN ?? false)
    }

    func testASkippedDayIsNotInvented() {
        var daily = DailyAggregator()
        XCTAssertNil(daily.add(stage: 2, rainfall: 0.2, at: 60, rating: rating))
        // The node was stopped through day 1: the next reading is on day 2; only day 0 is handed over.
        let summary = daily.add(stage: 2, rainfall: 5, at: 2 * 86_400 + 600, rating: rating)
        XCTAssertEqual(summary?.day, 0)
        XCTAssertEqual(summary?.rainfallMM, 0.2)
        XCTAssertEqual(daily.day, 2)
        let day2 = daily.add(stage: nil, rainfall: nil, at: 3 * 86_400, rating: rating)
        XCTAssertEqual(day2?.day, 2)
        XCTAssertEqual(day2?.rainfallMM, 5)
    }

    /// The sampler's step: the faulty stage is left out of the day, the good rain is counted.
    func testTheSamplerHandsOverTheDayFromGoodReadingsOnly() {
        var levee = LeveeResources()
        func scan(_ seconds: UInt32, stage: Float?, rain: Float) -> SensorScan {
            var scan = SensorScan(requested: ChannelSet(bits: 1 << Channel.stage.rawValue | 1 << Channel.rainfall.rawValue), seconds: seconds)
            scan.readings[Channel.stage.index] = stage ?? .nan
            scan.readings[Channel.rainfall.index] = rain
            return scan
        }
        for step in 0..<144 {
            // A spike at step 50 (rejected), then normal readings.
            _ = levee.take(scan(UInt32(step * 600), stage: step == 50 ? 11 : 1.5 + 0.001 * Float(step % 2), rain: 0.2))
        }
        XCTAssertNil(levee.lastDay)
        _ = levee.take(scan(86_400, stage: 1.5, rain: 0.2))
        let day = levee.lastDay
        XCTAssertNotNil(day)
        XCTAssertEqual(day?.day, 0)
        XCTAssertEqual(Double(day?.rainfallMM ?? 0), 0.2 * 145, accuracy: 1e-3)
        XCTAssertEqual(Double(day?.meanFlow ?? 0), referenceFlow(1.5005), accuracy: 0.05, "the spike is not averaged in")
    }

    /// The simulator's rain gauge counts the scenario's rain in 0.2 mm tips, each reading the rain
    /// since the one before.
    func testTheSimulatedGaugeReportsTheRainSinceTheLastReading() throws {
        var simulator = LeveeSimulator(scenario: try Scenario.named("storm-surge", root: repositoryRoot))
        var total: Float = 0
        for step in 1...(72 * 6) {
            let reading = try XCTUnwrap(simulator.read(.rainfall, at: UInt32(step * 600)))
            XCTAssertGreaterThanOrEqual(reading, 0)
            total += reading
        }
        // 24 h at 3 mm/h.
        XCTAssertEqual(total, 72, accuracy: 0.2)
    }

    /// The guest API's `config(key)` table.
    func testGuestParametersComeFromTheConfiguration() {
        var config = AppConfig()
        config.stage.warning = 4.25
        config.periods[Channel.rainfall.index] = 900
        XCTAssertEqual(config.value(of: .stageWarning), 4.25)
        XCTAssertEqual(config.value(of: .floodFlow), 216.074)
        XCTAssertEqual(config.value(of: .ratingB), 1.6)
        XCTAssertEqual(config.value(of: .periodRainfall), 900)
        XCTAssertEqual(config.value(of: .firstPeriod), Float(config.periods[Channel.stage.index]))
        XCTAssertEqual(GuestParameter.periodRainfall.rawValue, GuestParameter.firstPeriod.rawValue + UInt32(Channel.rainfall.rawValue))
        XCTAssertNil(GuestParameter(rawValue: 15))
    }
}
