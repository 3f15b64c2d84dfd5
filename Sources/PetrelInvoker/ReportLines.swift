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
        // Hundredths of a millisecond, rounded half up (String(format:) costs more than the rest of REPORT).
        let hundredths = seconds * 100_000 + (attoseconds + 5_000_000_000_000) / 10_000_000_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `count` random bytes as lower-case hex (ids of instances, trace ids).
    static func randomHex(bytes count: Int) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        // One getrandom(2) per eight bytes, not per byte.
        var generator = SystemRandomNumberGenerator()
        let words = (0..<(count + 7) / 8).map { _ in generator.next() }
        return String(unsafeUninitializedCapacity: count * 2) { buffer in
            for index in 0..<count {
                let byte = UInt8(truncatingIfNeeded: words[index / 8] >> (8 * UInt64(index % 8)))
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 15)]
            }
            return count * 2
        }
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
