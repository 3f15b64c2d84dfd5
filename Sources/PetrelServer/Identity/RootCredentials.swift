import Foundation

/// The account root's access key: created on first start, kept in the database and in
/// `<data>/credentials.json` (mode 0600) for `petrel credentials`, printed once.
public enum RootCredentials {
    public static let fileName = "credentials.json"

    public struct File: Codable, Sendable {
        public var accessKeyId: String
        public var secretAccessKey: String
        public var account: String
        public var region: String
        public var endpoint: String
    }

    /// The file holding `account`'s root key: `credentials.json` for the served account,
    /// `credentials-<account>.json` for another one (`--other-account`).
    public static func fileName(account: String?) -> String {
        account.map { "credentials-\($0).json" } ?? fileName
    }

    /// `other`: another account, whose root may call in across accounts (resource policies decide).
    static func ensure(identities: IdentityStore, dataDirectory: URL, endpoint: String, region: String, other: String? = nil) throws {
        let (key, created) = try identities.ensureRootKey(other: other)
        let file = File(accessKeyId: key.accessKeyID, secretAccessKey: key.secret, account: other ?? identities.account, region: region, endpoint: endpoint)
        let url = dataDirectory.appendingPathComponent(fileName(account: other))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(file).write(to: url, options: .atomic)
        chmod(url.path, 0o600)
        if created && other == nil {
            // Written straight to the descriptor: a buffered print may never reach a log file.
            FileHandle.standardOutput.write(Data("""
                Petrel created the account root's access key (printed once; `petrel credentials` prints it again):
                  AWS_ACCESS_KEY_ID=\(key.accessKeyID)
                  AWS_SECRET_ACCESS_KEY=\(key.secret)

                """.utf8))
        }
    }

    /// Reads the file `petrel serve` wrote in `dataDirectory`.
    public static func read(dataDirectory: URL, account: String? = nil) throws -> File {
        let data = try Data(contentsOf: dataDirectory.appendingPathComponent(fileName(account: account)))
        return try JSONDecoder().decode(File.self, from: data)
    }

    /// A console link that signs in with the key: the key rides in the fragment, which the
    /// browser never sends; the console keeps it in the tab's sessionStorage and drops it from
    /// the address bar.
    public static func consoleLink(_ file: File) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))
        func encoded(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return "\(file.endpoint)/console/#credentials=\(encoded(file.accessKeyId)):\(encoded(file.secretAccessKey)):\(file.region)"
    }

    /// The credentials as shell exports and as an AWS CLI profile.
    public static func describe(_ file: File, profile: String) -> String {
        """
        export AWS_ACCESS_KEY_ID=\(file.accessKeyId)
        export AWS_SECRET_ACCESS_KEY=\(file.secretAccessKey)
        export AWS_DEFAULT_REGION=\(file.region)
        export AWS_ENDPOINT_URL=\(file.endpoint)

        # ~/.aws/credentials
        [\(profile)]
        aws_access_key_id = \(file.accessKeyId)
        aws_secret_access_key = \(file.secretAccessKey)

        # ~/.aws/config
        [profile \(profile)]
        region = \(file.region)
        endpoint_url = \(file.endpoint)
        """
    }
}
