import LeveeBase

/// One field day as the risk module's forecast sees it (`observe_day`): the catchment's rainfall
/// and the river's mean flow.
public struct DaySummary: Equatable, Sendable {
    /// The field day (0: the first day since boot).
    public var day: UInt32
    /// Rain the gauge counted in the day (mm); NaN when it never gave a good reading.
    public var rainfallMM: Float
    /// The mean of the flows of the day's good stage readings (m³/s, through the rating curve);
    /// NaN when there were none (the module then keeps yesterday's flow).
    public var meanFlow: Float
}

/// Sums the day's rain and averages its flow from the sampler's good readings, and hands over the
/// summary when a reading of a later field day arrives (field days count from boot, in field time:
/// at `--speed 86400` a day passes every second).
///
/// A rain reading is the rain since the previous one, so a reading at `t` belongs to the day of
/// `t − 1` (the one at midnight closes the day before). A day with no reading at all (the node was
/// stopped) gives no summary: the forecast sees the next day as the one after.
public struct DailyAggregator: Sendable {
    public static let secondsPerDay: UInt32 = 86_400

    public private(set) var day: UInt32 = 0
    var rainfallSum: Float = 0
    var rainfallReadings: UInt32 = 0
    var flowSum: Float = 0
    var flowReadings: UInt32 = 0

    public init() {}

    /// Adds one scan's good readings taken at field second `seconds` (nil: not sampled, or not
    /// good); returns the finished day when this scan is the first of a later one.
    public mutating func add(stage: Float?, rainfall: Float?, at seconds: UInt32, rating: RatingCurve) -> DaySummary? {
        let rainDay = seconds == 0 ? 0 : (seconds - 1) / Self.secondsPerDay
        if let rainfall, rainDay == day { addRainfall(rainfall) }
        var finished: DaySummary?
        let today = seconds / Self.secondsPerDay
        if today > day {
            finished = DaySummary(day: day, rainfallMM: rainfallReadings == 0 ? .nan : rainfallSum,
                                  meanFlow: flowReadings == 0 ? .nan : flowSum / Float(Int(flowReadings)))
            self = DailyAggregator()
            day = today
            if let rainfall, rainDay == today { addRainfall(rainfall) }
        }
        if let stage {
            let flow = rating.flow(atStage: stage)
            if flow.isFinite {
                flowSum += flow
                flowReadings &+= 1
            }
        }
        return finished
    }

    mutating func addRainfall(_ mm: Float) {
        rainfallSum += mm
        rainfallReadings &+= 1
    }
}
