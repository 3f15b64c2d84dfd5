import Foundation

/// A `Range: bytes=…` request header against an object of a known size.
public enum ByteRange: Sendable, Equatable {
    /// Serve these bytes (inclusive bounds), answering 206.
    case partial(first: Int64, last: Int64)
    /// Serve the whole object (no header, or a header S3 ignores: not `bytes=`, several ranges, malformed).
    case whole
    /// No byte of the range exists: 416 InvalidRange.
    case unsatisfiable

    public static func parse(_ header: String?, size: Int64) -> ByteRange {
        guard let header = header?.trimmingCharacters(in: .whitespaces), header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let start = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let end = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if start.isEmpty {
            guard let suffix = Int64(end), suffix >= 0 else { return .whole }
            if suffix == 0 { return .unsatisfiable }
            if size == 0 { return .whole }
            return .partial(first: max(0, size - suffix), last: size - 1)
        }
        guard let first = Int64(start), first >= 0 else { return .whole }
        var last = size - 1
        if !end.isEmpty {
            guard let value = Int64(end) else { return .whole }
            if value < first { return .whole }
            last = min(value, size - 1)
        }
        if first >= size { return .unsatisfiable }
        return .partial(first: first, last: last)
    }
}

