import Foundation
import PetrelIdentity
import Testing

/// AWS's published SigV4 test suite, as botocore's source distribution carries it
/// (`tests/unit/auth/aws4_testsuite`). Loaded at test time, never copied into the repository:
/// downloaded once with pip into a cache folder (`PETREL_SIGV4_SUITE` names one already on disk).
enum AWSTestSuite {
    static let accessKeyID = "AKIDEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let now = SigV4Verifier.date(fromAMZ: "20150830T123600Z")!

    static let directory: URL? = locate()
    static let skipReason = "AWS's SigV4 test suite could not be downloaded (pip download --no-deps --no-binary :all: botocore failed); set PETREL_SIGV4_SUITE to its aws4_testsuite folder"

    /// Every case: a folder holding NAME.sreq, NAME.creq, NAME.sts and NAME.authz.
    static let cases: [String] = {
        guard let root = directory, let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var names: [String] = []
        for case let url as URL in walker where url.pathExtension == "sreq" {
            names.append(url.deletingLastPathComponent().path.replacingOccurrences(of: root.path + "/", with: ""))
        }
        return names.sorted()
    }()

    static func locate() -> URL? {
        let fm = FileManager.default
        if let given = ProcessInfo.processInfo.environment["PETREL_SIGV4_SUITE"], fm.fileExists(atPath: given) {
            return URL(fileURLWithPath: given)
        }
        let cache = URL(fileURLWithPath: ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache"))
            .appendingPathComponent("petrel/botocore-sigv4")
        let suite = cache.appendingPathComponent("aws4_testsuite")
        if fm.fileExists(atPath: suite.appendingPathComponent("get-vanilla").path) { return suite }
        try? fm.createDirectory(at: cache, withIntermediateDirectories: true)
        let script = """
        set -e
        cd "\(cache.path)"
        rm -rf download && mkdir download
        python3 -m pip download --quiet --no-deps --no-binary :all: botocore -d download
        tar -xzf download/botocore-*.tar.gz -C download --wildcards '*/tests/unit/auth/aws4_testsuite/*'
        rm -rf aws4_testsuite && mv download/botocore-*/tests/unit/auth/aws4_testsuite aws4_testsuite
        rm -rf download
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return nil
        }
        return process.terminationStatus == 0 && fm.fileExists(atPath: suite.path) ? suite : nil
    }

    static func file(_ name: String, _ ext: String) throws -> String {
        let base = directory!.appendingPathComponent(name)
        let last = base.lastPathComponent
        return try String(contentsOf: base.appendingPathComponent(last).appendingPathExtension(ext), encoding: .utf8)
    }

    /// Parses a raw HTTP request as the suite writes it (folded header lines included).
    static func request(_ text: String) -> SignedRequest {
        var lines = text.components(separatedBy: "\n")
        let first = lines.removeFirst()
        let method = String(first.prefix { $0 != " " })
        var target = String(first.dropFirst(method.count + 1))
        if target.hasSuffix(" HTTP/1.1") { target = String(target.dropLast(" HTTP/1.1".count)) }
        var headers: [(name: String, value: String)] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody { bodyLines.append(line); continue }
            if line.isEmpty { inBody = true; continue }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            // A server hands over header values without the optional whitespace after the colon.
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })))
        }
        let pathAndQuery = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return SignedRequest(method: method, path: String(pathAndQuery[0]), query: pathAndQuery.count > 1 ? String(pathAndQuery[1]) : "",
                             headers: headers, body: Array(bodyLines.joined(separator: "\n").utf8))
    }
}

@Suite(.enabled(if: AWSTestSuite.directory != nil, Comment(rawValue: AWSTestSuite.skipReason)))
struct SigV4TestSuiteTests {
    @Test func theSuiteHasItsCases() {
        #expect(AWSTestSuite.cases.count >= 25)
        #expect(AWSTestSuite.cases.contains("get-vanilla"))
        #expect(AWSTestSuite.cases.contains("normalize-path/get-slash-dot-slash"))
    }

    @Test(arguments: AWSTestSuite.cases)
    func canonicalRequestStringToSignAndSignature(name: String) throws {
        let request = AWSTestSuite.request(try AWSTestSuite.file(name, "sreq"))
        let auth = try #require(try SigV4Authorization.parse(request))
        let canonical = SigV4Canonical.canonicalRequest(request, signedHeaders: auth.signedHeaders,
                                                        payloadHash: SigV4Canonical.hexSHA256(request.body))
        #expect(canonical == (try AWSTestSuite.file(name, "creq")))
        let toSign = SigV4Canonical.stringToSign(amzDate: auth.amzDate, scope: auth.scope, canonicalRequest: canonical)
        #expect(toSign == (try AWSTestSuite.file(name, "sts")))
        let key = SigV4Canonical.signingKey(secret: AWSTestSuite.secret, date: auth.scopeDate, region: auth.region, service: auth.service)
        let authz = try AWSTestSuite.file(name, "authz")
        #expect(authz.hasSuffix("Signature=" + SigV4Canonical.signature(key: key, stringToSign: toSign)))
    }

    @Test(arguments: AWSTestSuite.cases)
    func theVerifierAcceptsTheSignedRequestAndRefusesATamperedOne(name: String) throws {
        var request = AWSTestSuite.request(try AWSTestSuite.file(name, "sreq"))
        // The expected Authorization is NAME.authz (one case's .sreq carries a garbled signature).
        request.headers.removeAll { $0.name.lowercased() == "authorization" }
        request.headers.append(("Authorization", try AWSTestSuite.file(name, "authz").trimmingCharacters(in: .whitespacesAndNewlines)))
        let auth = try #require(try SigV4Authorization.parse(request))
        let verifier = SigV4Verifier()
        let key = AccessKeySecret(secret: AWSTestSuite.secret, sessionToken: auth.securityToken)
        try verifier.checkTime(auth, now: AWSTestSuite.now)
        try verifier.verify(request, auth, key: key, now: AWSTestSuite.now)

        var tampered = request
        tampered.method = request.method == "GET" ? "POST" : "GET"
        #expect(throws: SignatureError.mismatch) { try verifier.verify(tampered, auth, key: key, now: AWSTestSuite.now) }
        let wrongSecret = AccessKeySecret(secret: "not-" + AWSTestSuite.secret, sessionToken: auth.securityToken)
        #expect(throws: SignatureError.mismatch) { try verifier.verify(request, auth, key: wrongSecret, now: AWSTestSuite.now) }
    }
}
