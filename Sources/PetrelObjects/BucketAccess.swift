import Foundation
import PetrelStore

/// A bucket's access settings besides its policy text: the public access block and the object
/// ownership setting, as S3's XML shapes (PublicAccessBlockConfiguration, OwnershipControls).
public struct BucketAccess: Sendable, Equatable {
    /// The bucket policy as it was put (JSON text), nil when none.
    public var policy: String?
    public var publicAccessBlock: PublicAccessBlock?
    public var ownership: Ownership

    public init(policy: String? = nil, publicAccessBlock: PublicAccessBlock? = nil, ownership: Ownership = .default) {
        self.policy = policy
        self.publicAccessBlock = publicAccessBlock
        self.ownership = ownership
    }

    /// Object ownership: new buckets are `BucketOwnerEnforced` (ACLs disabled), as on AWS since
    /// 2023; DeleteBucketOwnershipControls removes the setting (ACLs then apply as written).
    public enum Ownership: Sendable, Equatable {
        case `default`
        case set(String)
        case removed

        public static let values: Set<String> = ["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]

        /// The effective setting, nil when removed.
        public var effective: String? {
            switch self {
            case .default: "BucketOwnerEnforced"
            case .set(let value): value
            case .removed: nil
            }
        }

        /// ACLs are disabled: only `private` (or no ACL) is accepted.
        public var aclsDisabled: Bool { effective == "BucketOwnerEnforced" }

        /// Stored form: NULL (default), "" (removed) or the value.
        var column: String? {
            switch self {
            case .default: nil
            case .set(let value): value
            case .removed: ""
            }
        }

        init(column: String?) {
            switch column {
            case nil: self = .default
            case ""?: self = .removed
            case let value?: self = .set(value)
            }
        }

        /// `<OwnershipControls><Rule><ObjectOwnership>…`.
        public static func parse(_ root: XMLNode) throws(S3Error) -> String {
            guard root.name == "OwnershipControls", let rule = root.child("Rule"), root.all("Rule").count == 1,
                  let value = rule.value("ObjectOwnership") else { throw S3Error.malformedXML() }
            guard values.contains(value) else { throw S3Error.malformedXML() }
            return value
        }

        public static func xml(_ value: String) -> String {
            var x = XMLText()
            x.open("OwnershipControls", namespace: true)
            x.open("Rule")
            x.element("ObjectOwnership", value)
            x.close("Rule")
            x.close("OwnershipControls")
            return x.document
        }
    }
}

/// S3's PublicAccessBlockConfiguration: four switches, each false unless set.
public struct PublicAccessBlock: Sendable, Equatable, Codable {
    public var blockPublicAcls: Bool
    public var ignorePublicAcls: Bool
    public var blockPublicPolicy: Bool
    public var restrictPublicBuckets: Bool

    public init(blockPublicAcls: Bool = false, ignorePublicAcls: Bool = false, blockPublicPolicy: Bool = false,
                restrictPublicBuckets: Bool = false) {
        self.blockPublicAcls = blockPublicAcls
        self.ignorePublicAcls = ignorePublicAcls
        self.blockPublicPolicy = blockPublicPolicy
        self.restrictPublicBuckets = restrictPublicBuckets
    }

    static let names = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]

    public static func parse(_ root: XMLNode) throws(S3Error) -> PublicAccessBlock {
        guard root.name == "PublicAccessBlockConfiguration" else { throw S3Error.malformedXML() }
        func flag(_ name: String) throws(S3Error) -> Bool {
            guard let text = root.value(name) else { return false }
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw S3Error.malformedXML()
            }
        }
        return PublicAccessBlock(blockPublicAcls: try flag("BlockPublicAcls"), ignorePublicAcls: try flag("IgnorePublicAcls"),
                                 blockPublicPolicy: try flag("BlockPublicPolicy"), restrictPublicBuckets: try flag("RestrictPublicBuckets"))
    }

    public var xml: String {
        var x = XMLText()
        x.open("PublicAccessBlockConfiguration", namespace: true)
        x.element("BlockPublicAcls", blockPublicAcls)
        x.element("IgnorePublicAcls", ignorePublicAcls)
        x.element("BlockPublicPolicy", blockPublicPolicy)
        x.element("RestrictPublicBuckets", restrictPublicBuckets)
        x.close("PublicAccessBlockConfiguration")
        return x.document
    }
}

/// The only ACL Petrel keeps: the owner's FULL_CONTROL (AccessControlPolicy), and the canned
/// ACLs that say nothing more.
public enum OwnerACL {
    public static func xml(ownerID: String) -> String {
        var x = XMLText()
        x.open("AccessControlPolicy", namespace: true)
        x.open("Owner")
        x.element("ID", ownerID)
        x.close("Owner")
        x.open("AccessControlList")
        x.raw(#"<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">"#)
        x.element("ID", ownerID)
        x.close("Grantee")
        x.element("Permission", "FULL_CONTROL")
        x.close("Grant")
        x.close("AccessControlList")
        x.close("AccessControlPolicy")
        return x.document
    }

    /// Canned ACLs that grant nobody but the owner (`bucket-owner-full-control` on a bucket
    /// owned by the writer says the same).
    public static let ownerOnly: Set<String> = ["private", "bucket-owner-full-control", "bucket-owner-read"]
    public static let canned: Set<String> = ["private", "public-read", "public-read-write", "aws-exec-read", "authenticated-read",
                                             "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write"]
    public static let publicCanned: Set<String> = ["public-read", "public-read-write", "authenticated-read"]
}

extension ObjectStore {
    static func registerAccessMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("objects-v3-access") { db in
            try db.executeScript("""
                CREATE TABLE s3_bucket_access (
                    bucket TEXT PRIMARY KEY,
                    policy TEXT,
                    public_access_block TEXT,
                    ownership TEXT
                );
                """)
        }
    }

    /// A bucket's access settings (defaults for a bucket that has none or does not exist):
    /// one indexed lookup, read on each authorized request.
    public func access(_ bucket: String) throws(S3Error) -> BucketAccess {
        try read { db in
            guard let row = try db.fetchOne(sql: "SELECT policy, public_access_block, ownership FROM s3_bucket_access WHERE bucket = ?",
                                            arguments: [bucket]) else { return BucketAccess() }
            let block: String? = row["public_access_block"]
            return BucketAccess(policy: row["policy"],
                                publicAccessBlock: block.flatMap { try? JSONDecoder().decode(PublicAccessBlock.self, from: Data($0.utf8)) },
                                ownership: BucketAccess.Ownership(column: row["ownership"]))
        }
    }

    /// Sets (nil: deletes) the bucket policy's text.
    public func setPolicy(_ bucket: String, _ policy: String?) throws(S3Error) {
        try setAccessColumn(bucket, "policy", policy)
    }

    public func setPublicAccessBlock(_ bucket: String, _ block: PublicAccessBlock?) throws(S3Error) {
        try setAccessColumn(bucket, "public_access_block", block.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) })
    }

    public func setOwnership(_ bucket: String, _ ownership: BucketAccess.Ownership) throws(S3Error) {
        try setAccessColumn(bucket, "ownership", ownership.column)
    }

    private func setAccessColumn(_ bucket: String, _ column: String, _ value: String?) throws(S3Error) {
        try write { db in
            _ = try Self.requireBucket(db, bucket)
            try db.execute(sql: "INSERT INTO s3_bucket_access (bucket) VALUES (?) ON CONFLICT (bucket) DO NOTHING", arguments: [bucket])
            try db.execute(sql: "UPDATE s3_bucket_access SET \(column) = ? WHERE bucket = ?", arguments: [value, bucket])
        }
    }

    /// Forgets a deleted bucket's settings (a bucket created again with the name starts afresh).
    static func dropAccess(_ db: any SQLConnection, _ bucket: String) throws {
        try db.execute(sql: "DELETE FROM s3_bucket_access WHERE bucket = ?", arguments: [bucket])
    }
}
