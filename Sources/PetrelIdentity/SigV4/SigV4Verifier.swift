import Crypto
import Foundation
import PetrelCore
import Synchronization

/// The secret behind an access key, as the verifier needs it.
public struct AccessKeySecret: Sendable {
    public var secret: String
    /// Temporary credentials (STS) carry a session token the request must present.
    public var sessionToken: String?
    public var expiration: Date?

    public init(secret: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.secret = secret
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// Verifies SigV4 signatures (header and presigned query), with signing keys cached per
/// (secret, date, region, service) so a warm request costs two SHA-256 and one HMAC.
public final class SigV4Verifier: Sendable {
    /// AWS refuses requests whose time is more than 15 minutes from its own.
    public static let maxSkew: TimeInterval = 15 * 60
    private let keys = Mutex<[String: [UInt8]]>([:])
    private static let cacheLimit = 4096

    public init() {}

    /// Checks the request's time against `now`: skew for header signing, expiry for presigned URLs.
    public func checkTime(_ auth: SigV4Authorization, now: Date) throws(SignatureError) {
        guard let signed = Self.date(fromAMZ: auth.amzDate) else {
            throw SignatureError(.incompleteSignature, "Date must be in ISO-8601 'basic format'. Got '\(auth.amzDate)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        guard auth.amzDate.hasPrefix(auth.scopeDate) else {
            throw SignatureError(.signatureDoesNotMatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(auth.scopeDate)' != '\(auth.amzDate.prefix(8))', from '\(auth.amzDate)'.")
        }
        if let expires = auth.expires {
            if now.timeIntervalSince(signed) > TimeInterval(expires) {
                throw SignatureError(.requestExpired, "Request has expired")
            }
            if signed.timeIntervalSince(now) > Self.maxSkew {
                throw SignatureError(.requestTimeTooSkewed, "Signature not yet current: \(auth.amzDate) is still later than \(Self.amzDate(now.addingTimeInterval(Self.maxSkew))) (\(Self.amzDate(now)) + 15 min.)")
            }
            return
        }
        if now.timeIntervalSince(signed) > Self.maxSkew {
            throw SignatureError(.requestTimeTooSkewed, "Signature expired: \(auth.amzDate) is now earlier than \(Self.amzDate(now.addingTimeInterval(-Self.maxSkew))) (\(Self.amzDate(now)) - 15 min.)")
        }
        if signed.timeIntervalSince(now) > Self.maxSkew {
            throw SignatureError(.requestTimeTooSkewed, "Signature not yet current: \(auth.amzDate) is still later than \(Self.amzDate(now.addingTimeInterval(Self.maxSkew))) (\(Self.amzDate(now)) + 15 min.)")
        }
    }

    /// Checks the session token and the signature itself with the key's secret.
    public func verify(_ request: SignedRequest, _ auth: SigV4Authorization, key: AccessKeySecret, now: Date) throws(SignatureError) {
        if let expected = key.sessionToken {
            guard let token = auth.securityToken, Self.constantTimeEqual(token, expected) else { throw SignatureError.invalidToken }
            if let expiration = key.expiration, expiration <= now { throw SignatureError.expiredTokenError }
        } else if auth.securityToken != nil, auth.securityToken != "" {
            throw SignatureError.invalidToken
        }
        guard auth.signedHeaders.contains("host") || auth.signedHeaders.contains(":authority") else {
            throw SignatureError(.signatureDoesNotMatch, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        let signingKey = self.signingKey(secret: key.secret, date: auth.scopeDate, region: auth.region, service: auth.service)
        for payloadHash in Self.payloadHashes(request, auth) {
            let canonical = SigV4Canonical.canonicalRequest(request, signedHeaders: auth.signedHeaders, payloadHash: payloadHash)
            let toSign = SigV4Canonical.stringToSign(amzDate: auth.amzDate, scope: auth.scope, canonicalRequest: canonical)
            if Self.constantTimeEqual(SigV4Canonical.signature(key: signingKey, stringToSign: toSign), auth.signature) { return }
        }
        throw SignatureError.mismatch
    }

    /// The payload hashes a client may have signed: the declared `x-amz-content-sha256`
    /// (which, unless UNSIGNED-PAYLOAD, must be the body's), else the body's own; presigned
    /// URLs may also sign UNSIGNED-PAYLOAD.
    static func payloadHashes(_ request: SignedRequest, _ auth: SigV4Authorization) -> [String] {
        let declared = request.header("x-amz-content-sha256")
        if declared == SigV4Canonical.unsignedPayload { return [SigV4Canonical.unsignedPayload] }
        let actual = request.body.isEmpty ? SigV4Canonical.emptyPayloadHash : SigV4Canonical.hexSHA256(request.body)
        if let declared, declared.lowercased() != actual { return [] }
        return auth.isPresigned ? [actual, SigV4Canonical.unsignedPayload] : [actual]
    }

    public func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        let cacheKey = "\(secret)\u{0}\(date)\u{0}\(region)\u{0}\(service)"
        if let bytes = keys.withLock({ $0[cacheKey] }) { return SymmetricKey(data: bytes) }
        let key = SigV4Canonical.signingKey(secret: secret, date: date, region: region, service: service)
        let bytes = key.withUnsafeBytes { Array($0) }
        keys.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[cacheKey] = bytes
        }
        return key
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// `20150830T123600Z` → a date (UTC); nil if malformed.
    public static func date(fromAMZ s: String) -> Date? {
        let b = Array(s.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r { guard b[i] >= 48, b[i] <= 57 else { return nil }; n = n * 10 + Int(b[i] - 48) }
            return n
        }
        guard let y = num(0..<4), let m = num(4..<6), let d = num(6..<8), let hh = num(9..<11), let mm = num(11..<13), let ss = num(13..<15),
              (1...12).contains(m), (1...31).contains(d), hh < 24, mm < 60, ss < 61 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(daysFromCivil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss))
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func amzDate(_ date: Date) -> String {
        let (y, m, d, hh, mm, ss) = civil(date)
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + pad(hh, 2) + pad(mm, 2) + pad(ss, 2) + "Z"
    }

    /// `2026-12-02T10:15:00Z`.
    public static func iso8601(_ date: Date) -> String {
        let (y, m, d, hh, mm, ss) = civil(date)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(hh, 2) + ":" + pad(mm, 2) + ":" + pad(ss, 2) + "Z"
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// (year, month, day, hour, minute, second) in UTC, without a formatter (they are slow to make).
    static func civil(_ date: Date) -> (Int, Int, Int, Int, Int, Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let rest = seconds - days * 86400
        let (y, m, d) = CivilDate.fromDays(days)
        return (y, m, d, rest / 3600, rest % 3600 / 60, rest % 60)
    }
}
