import Foundation
import PetrelLogs

/// Reads what an instance wrote to its output file (stdout and stderr) since the last read,
/// and splits it into log events. The runtime writes synchronously before it answers the
/// Runtime API, so reading at the answer collects exactly that invocation's output.
final class OutputReader: @unchecked Sendable {
    // Each reader belongs to one InstanceLink, which only reads it under its own lock.
    private let handle: FileHandle?
    private var offset: UInt64 = 0
    private var partialLine = Data()
    /// At most this much output is kept per read; the rest is skipped and said so.
    static let maxBytesPerRead = 8 * 1024 * 1024
    /// Past this size the file is emptied after a read, so a chatty function cannot fill the disk.
    static let truncateAbove: UInt64 = 64 * 1024 * 1024

    /// Reads from the file's current end: a pre-warmed instance's file already exists (its
    /// process writes to it), and what it wrote before serving a function is not that function's.
    init(path: String) {
        let fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
        handle = fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil
        offset = (try? handle?.seekToEnd()) ?? 0
    }


    /// Events for everything new in the file. `flush` also emits a final unterminated line.
    func read(now: Date = Date(), flush: Bool = true) -> [LogEvent] {
        guard let handle else { return [] }
        let end = (try? handle.seekToEnd()) ?? offset
        guard end > offset || (flush && !partialLine.isEmpty) else { return [] }
        var skipped: UInt64 = 0
        var start = offset
        if end - offset > UInt64(Self.maxBytesPerRead) {
            skipped = end - offset - UInt64(Self.maxBytesPerRead)
            start = end - UInt64(Self.maxBytesPerRead)
        }
        try? handle.seek(toOffset: start)
        var data = partialLine
        data.append((try? handle.read(upToCount: Int(end - start))) ?? Data())
        offset = end
        if end > Self.truncateAbove {
            ftruncate(handle.fileDescriptor, 0)
            offset = 0
        }
        var events: [LogEvent] = []
        if skipped > 0 {
            events.append(LogEvent(timestamp: Self.millis(now), message: "[petrel] \(skipped) bytes of output were dropped: the function wrote more than \(Self.maxBytesPerRead) bytes in one invocation."))
        }
        let (lines, rest) = Self.split(data)
        partialLine = rest
        for line in lines { events.append(Self.event(line, now: now)) }
        if flush, !partialLine.isEmpty {
            events.append(Self.event(partialLine, now: now))
            partialLine = Data()
        }
        return events
    }

    /// Complete lines, and what follows the last newline.
    static func split(_ data: Data) -> (lines: [Data], rest: Data) {
        var lines: [Data] = []
        var lineStart = data.startIndex
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            lines.append(data[lineStart..<index])
            lineStart = index + 1
        }
        return (lines, Data(data[lineStart...]))
    }

    /// A line's timestamp is the runtime's own ISO prefix when it has one, else `now`.
    static func event(_ line: Data, now: Date) -> LogEvent {
        var message = String(decoding: line, as: UTF8.self)
        if message.hasSuffix("\r") { message.removeLast() }
        return LogEvent(timestamp: leadingTimestamp(message) ?? millis(now), message: message)
    }

    static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    /// Parses `2015-08-30T12:34:56.789Z` at the start of a line.
    static func leadingTimestamp(_ line: String) -> Int64? {
        let utf8 = Array(line.utf8.prefix(24))
        guard utf8.count == 24, utf8[4] == 45, utf8[7] == 45, utf8[10] == 84, utf8[13] == 58, utf8[16] == 58,
              utf8[19] == 46, utf8[23] == 90 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard utf8[i] >= 48, utf8[i] <= 57 else { return nil }
                value = value * 10 + Int(utf8[i] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let millis = number(20..<23) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Int64(seconds) * 1000 + Int64(millis)
    }
}
