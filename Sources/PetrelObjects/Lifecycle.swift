import Foundation

/// A bucket's lifecycle rules, of which Petrel carries out expiration (by age in days or at a
/// date) and the abort of incomplete multipart uploads; other actions are stored and reported.
public struct LifecycleConfiguration: Sendable, Equatable, Codable {
    public struct Rule: Sendable, Equatable, Codable {
        public var id: String
        public var prefix: String
        public var enabled: Bool
        public var expirationDays: Int?
        public var expirationDate: Date?
        public var abortIncompleteDays: Int?
        /// NoncurrentVersionExpiration's NoncurrentDays: versions noncurrent this long are deleted.
        public var noncurrentDays: Int?
        /// Expiration's ExpiredObjectDeleteMarker: a current delete marker with no other version is deleted.
        public var expiredObjectDeleteMarker: Bool?
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) { self.rules = rules }

    static func malformed(_ message: String) -> S3Error { S3Error("MalformedXML", status: 400, message) }

    public static func parse(_ root: XMLNode) throws(S3Error) -> LifecycleConfiguration {
        guard root.name == "LifecycleConfiguration" else { throw S3Error.malformedXML() }
        var rules: [Rule] = []
        for node in root.all("Rule") {
            guard let status = node.value("Status"), status == "Enabled" || status == "Disabled" else { throw S3Error.malformedXML() }
            let filter = node.child("Filter")
            let prefix = filter?.value("Prefix") ?? filter?.child("And")?.value("Prefix") ?? node.value("Prefix") ?? ""
            var days: Int?
            var date: Date?
            var marker: Bool?
            if let expiration = node.child("Expiration") {
                if let text = expiration.value("Days") {
                    guard let value = Int(text), value > 0 else {
                        throw S3Error.invalidArgument("'Days' for Expiration action must be a positive integer", name: "Days", value: text)
                    }
                    days = value
                }
                if let text = expiration.value("Date") {
                    guard let value = ISO8601DateFormatter().date(from: text) else {
                        throw S3Error.invalidArgument("Invalid date", name: "Date", value: text)
                    }
                    date = value
                }
                if let text = expiration.value("ExpiredObjectDeleteMarker") {
                    guard text == "true" || text == "false" else { throw S3Error.malformedXML() }
                    marker = text == "true"
                }
            }
            var noncurrent: Int?
            if let text = node.child("NoncurrentVersionExpiration")?.value("NoncurrentDays") {
                guard let value = Int(text), value > 0 else {
                    throw S3Error.invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
                                                  name: "NoncurrentDays", value: text)
                }
                noncurrent = value
            }
            let abort = node.child("AbortIncompleteMultipartUpload")?.value("DaysAfterInitiation").flatMap(Int.init)
            let id = node.value("ID") ?? UUID().uuidString.lowercased()
            if id.count > 255 { throw S3Error.invalidArgument("ID length should not exceed allowed limit of 255", name: "ID", value: id) }
            rules.append(Rule(id: id, prefix: prefix, enabled: status == "Enabled", expirationDays: days, expirationDate: date,
                              abortIncompleteDays: abort, noncurrentDays: noncurrent, expiredObjectDeleteMarker: marker))
        }
        guard !rules.isEmpty, rules.count <= 1000 else { throw S3Error.malformedXML() }
        return LifecycleConfiguration(rules: rules)
    }

    public var xml: String {
        var xml = XMLText()
        xml.open("LifecycleConfiguration", namespace: true)
        for rule in rules {
            xml.open("Rule")
            xml.element("ID", rule.id)
            xml.open("Filter")
            xml.element("Prefix", rule.prefix)
            xml.close("Filter")
            xml.element("Status", rule.enabled ? "Enabled" : "Disabled")
            if rule.expirationDays != nil || rule.expirationDate != nil || rule.expiredObjectDeleteMarker != nil {
                xml.open("Expiration")
                if let days = rule.expirationDays { xml.element("Days", days) }
                if let date = rule.expirationDate { xml.element("Date", HTTPDate.iso8601(date)) }
                if let marker = rule.expiredObjectDeleteMarker { xml.element("ExpiredObjectDeleteMarker", marker ? "true" : "false") }
                xml.close("Expiration")
            }
            if let days = rule.noncurrentDays {
                xml.open("NoncurrentVersionExpiration")
                xml.element("NoncurrentDays", days)
                xml.close("NoncurrentVersionExpiration")
            }
            if let days = rule.abortIncompleteDays {
                xml.open("AbortIncompleteMultipartUpload")
                xml.element("DaysAfterInitiation", days)
                xml.close("AbortIncompleteMultipartUpload")
            }
            xml.close("Rule")
        }
        xml.close("LifecycleConfiguration")
        return xml.document
    }

    /// The newest last-modified time an object may have and already be expired by `days`:
    /// S3 adds the days to the object's time and rounds up to the next midnight UTC (a "day"
    /// is `dayLength` seconds, 86,400 except in tests).
    public static func cutoff(days: Int, now: Date, dayLength: TimeInterval = 86_400) -> Date {
        let midnight = (now.timeIntervalSince1970 / dayLength).rounded(.down) * dayLength
        return Date(timeIntervalSince1970: midnight - Double(days) * dayLength)
    }

    /// Whether `rule` has expired an object with this key and last-modified time.
    public static func expires(_ rule: Rule, key: String, lastModified: Date, now: Date, dayLength: TimeInterval = 86_400) -> Bool {
        guard rule.enabled, UTF8Order.hasPrefix(key, rule.prefix) else { return false }
        if let date = rule.expirationDate, now >= date { return true }
        if let days = rule.expirationDays, lastModified <= cutoff(days: days, now: now, dayLength: dayLength) { return true }
        return false
    }
}
