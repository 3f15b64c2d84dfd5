import Crypto
import Foundation
import PetrelCore
import PetrelStore
import ZIPFoundation

/// A deployment package as stored: content-addressed by its SHA-256.
public struct StoredCode: Sendable, Equatable {
    /// Base64 SHA-256, AWS's `CodeSha256`.
    public var sha256Base64: String
    /// Hex SHA-256: the name of the zip and of its extracted folder.
    public var digest: String
    public var size: Int
}

/// Deployment zips and their extracted trees.
///
/// The zip itself is shared state: it is kept in the database (`code_packages`, in 1 MB parts)
/// so every node of a cluster can run the function. The node's data directory holds a cache:
/// `<data>/code/<digest>.zip` and the extracted `<data>/code/<digest>/`, made on first use.
/// Identical code is stored once; extraction happens once, into a temporary folder renamed into
/// place, so a half-extracted tree is never used.
public struct CodeStore: Sendable {
    public let root: URL
    let database: (any SQLDatabase)?
    public static let maxZipBytes = 50 * 1024 * 1024
    public static let maxUnzippedBytes: UInt64 = 262_144_000
    static let partBytes = 1 << 20

    /// `database` nil keeps code on this node only (unit tests).
    public init(root: URL, database: (any SQLDatabase)? = nil) throws {
        self.root = root
        self.database = database
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("code-packages-v1") { db in
            try db.executeScript("""
                CREATE TABLE code_packages (
                    digest TEXT PRIMARY KEY,
                    size INTEGER NOT NULL,
                    parts INTEGER NOT NULL,
                    created REAL NOT NULL
                );
                CREATE TABLE code_package_parts (
                    digest TEXT NOT NULL,
                    part INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    PRIMARY KEY (digest, part)
                );
                """)
        }
    }

    public func zipURL(digest: String) -> URL { root.appendingPathComponent("\(digest).zip") }
    public func directory(digest: String) -> URL { root.appendingPathComponent(digest) }

    /// Validates and stores a zip; returns its identity. Throws AWS's errors for bad zips.
    public func store(zip data: Data) throws -> StoredCode {
        guard data.count <= Self.maxZipBytes else {
            throw AWSError("RequestEntityTooLargeException", status: 413,
                           "Request must be smaller than \(Self.maxZipBytes) bytes for the CreateFunction operation")
        }
        let hash = SHA256.hash(data: data)
        let digest = hash.map { String(format: "%02x", $0) }.joined()
        let code = StoredCode(sha256Base64: Data(hash).base64EncodedString(), digest: digest, size: data.count)
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw Self.unzipError
        }
        // Checked before the stored copy is reused: an empty zip is refused however often it comes.
        guard archive.makeIterator().next() != nil else { throw Self.emptyZipError }
        if FileManager.default.fileExists(atPath: directory(digest: digest).path) {
            try share(digest: digest, data: data)
            return code
        }
        try Self.checkEntries(archive)
        try share(digest: digest, data: data)
        try extract(archive, data: data, digest: digest)
        return code
    }

    /// The package's zip: this node's copy, or the shared one.
    public func zipData(digest: String) throws -> Data? {
        if let local = FileManager.default.contents(atPath: zipURL(digest: digest).path) { return local }
        return try sharedZip(digest: digest)
    }

    /// Makes sure the extracted tree of `digest` is on this node (fetching the shared zip when
    /// another node stored it); returns its folder.
    @discardableResult
    public func localDirectory(digest: String) throws -> URL {
        let target = directory(digest: digest)
        if FileManager.default.fileExists(atPath: target.path) { return target }
        guard let data = try sharedZip(digest: digest) else {
            throw AWSError.service("The deployment package \(digest) is missing from the store.")
        }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw Self.unzipError
        }
        try extract(archive, data: data, digest: digest)
        return target
    }

    /// Extracts into a staging folder renamed into place, and keeps the zip beside it.
    private func extract(_ archive: Archive, data: Data, digest: String) throws {
        let target = directory(digest: digest)
        let staging = root.appendingPathComponent(".staging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            for entry in archive {
                _ = try archive.extract(entry, to: staging.appendingPathComponent(entry.path))
            }
        } catch {
            throw Self.unzipError
        }
        try data.write(to: zipURL(digest: digest), options: .atomic)
        do {
            try FileManager.default.moveItem(at: staging, to: target)
        } catch where FileManager.default.fileExists(atPath: target.path) {
            // Another request stored the same code first.
        }
    }

    /// Stores the zip in the database once, in parts.
    private func share(digest: String, data: Data) throws {
        guard let database else { return }
        try database.write { db in
            try db.execute(sql: "INSERT INTO code_packages (digest, size, parts, created) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           arguments: [digest, data.count, (data.count + Self.partBytes - 1) / Self.partBytes, Date().timeIntervalSince1970])
            guard db.changesCount == 1 else { return }
            var part = 0
            var offset = data.startIndex
            while offset < data.endIndex {
                let end = min(offset + Self.partBytes, data.endIndex)
                try db.execute(sql: "INSERT INTO code_package_parts (digest, part, bytes) VALUES (?, ?, ?)",
                               arguments: [digest, part, Data(data[offset..<end])])
                part += 1
                offset = end
            }
        }
    }

    private func sharedZip(digest: String) throws -> Data? {
        guard let database else { return nil }
        return try database.read { db -> Data? in
            guard let size = try db.fetchOne(Int.self, sql: "SELECT size FROM code_packages WHERE digest = ?", arguments: [digest]) else { return nil }
            var data = Data(capacity: size)
            try db.forEachRow(sql: "SELECT bytes FROM code_package_parts WHERE digest = ? ORDER BY part", arguments: [digest]) { row in
                data.append(row["bytes"] as Data)
                return true
            }
            guard data.count == size else { throw AWSError.service("The deployment package \(digest) is incomplete in the store.") }
            return data
        }
    }

    /// The extracted trees of `digests` merged in order into one folder (later ones win),
    /// content-addressed by the list, built once in a staging folder and renamed into place.
    public func mergedDirectory(of digests: [String]) throws -> URL {
        let name = "merged-" + SHA256.hash(data: Data(digests.joined(separator: ",").utf8)).map { String(format: "%02x", $0) }.joined()
        let target = root.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) { return target }
        let staging = root.appendingPathComponent(".staging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for digest in digests {
            try Self.overlay(try localDirectory(digest: digest), onto: staging)
        }
        do {
            try FileManager.default.moveItem(at: staging, to: target)
        } catch where FileManager.default.fileExists(atPath: target.path) {
            // Built concurrently by another launch.
        }
        return target
    }

    /// Copies `source`'s tree into `destination`, replacing files that exist there.
    static func overlay(_ source: URL, onto destination: URL) throws {
        let fm = FileManager.default
        for entry in try fm.contentsOfDirectory(atPath: source.path) {
            let from = source.appendingPathComponent(entry)
            let to = destination.appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            fm.fileExists(atPath: from.path, isDirectory: &isDirectory)
            var targetIsDirectory: ObjCBool = false
            let targetExists = fm.fileExists(atPath: to.path, isDirectory: &targetIsDirectory)
            if isDirectory.boolValue {
                if targetExists, !targetIsDirectory.boolValue { try fm.removeItem(at: to) }
                if !targetExists || !targetIsDirectory.boolValue { try fm.createDirectory(at: to, withIntermediateDirectories: true) }
                try overlay(from, onto: to)
            } else {
                if targetExists { try fm.removeItem(at: to) }
                try fm.copyItem(at: from, to: to)
            }
        }
    }

    static let emptyZipError = AWSError.invalidParameter("Uploaded file must be a non-empty zip")
    static let unzipError = AWSError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")

    /// Rejects paths that would land outside the task root (zip-slip) and oversized trees.
    static func checkEntries(_ archive: Archive) throws {
        var total: UInt64 = 0
        for entry in archive {
            if !isSafeRelativePath(entry.path) {
                throw AWSError.invalidParameter("Could not unzip uploaded file: the entry '\(entry.path)' points outside the function's folder. Use relative paths without '..'.")
            }
            if entry.type == .symlink {
                var target = Data()
                _ = try? archive.extract(entry, consumer: { target.append($0) })
                let destination = String(decoding: target, as: UTF8.self)
                let joined = (entry.path as NSString).deletingLastPathComponent + "/" + destination
                if destination.hasPrefix("/") || !isSafeRelativePath(joined) {
                    throw AWSError.invalidParameter("Could not unzip uploaded file: the link '\(entry.path)' points outside the function's folder.")
                }
            }
            total += entry.uncompressedSize
            if total > maxUnzippedBytes {
                throw AWSError.invalidParameter("Unzipped size must be smaller than \(maxUnzippedBytes) bytes")
            }
        }
    }

    /// True when `path` stays inside its root: not absolute, and `..` never climbs above it.
    static func isSafeRelativePath(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("\\") { return false }
        var depth = 0
        for component in path.split(separator: "/") {
            switch component {
            case "..": depth -= 1
            case ".": continue
            default: depth += 1
            }
            if depth < 0 { return false }
        }
        return true
    }
}
