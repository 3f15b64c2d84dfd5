import Foundation

/// The platform's lines in a function's log stream, worded exactly as AWS writes them.
enum ReportLines {
    static func start(requestID: String, version: String) -> String {
        "START RequestId: \(requestID) Version: \(version)"
    }

    static func end(requestID: String) -> String {
        "END RequestId: \(requestID)"
    }

    static func report(requestID: String, duration: Duration, billedMilliseconds: Int, memorySizeMB: Int,
                       maxMemoryUsedMB: Int, initDuration: Duration?) -> String {
        var line = "REPORT RequestId: \(requestID)\tDuration: \(milliseconds(duration)) ms\tBilled Duration: \(billedMilliseconds) ms\tMemory Size: \(memorySizeMB) MB\tMax Memory Used: \(maxMemoryUsedMB) MB"
        if let initDuration {
            line += "\tInit Duration: \(milliseconds(initDuration)) ms"
        }
        return line + "\t"
    }

    static func timedOut(requestID: String, seconds: Int, at date: Date) -> String {
        "\(isoTimestamp(date)) \(requestID) Task timed out after \(seconds).00 seconds"
    }

    static func exited(requestID: String, status: String) -> String {
        "RequestId: \(requestID) Error: Runtime exited with error: \(status)\nRuntime.ExitError"
    }

    /// `12.34` — two decimals, as in REPORT lines.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return String(format: "%.2f", ms)
    }

    static func isoTimestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
