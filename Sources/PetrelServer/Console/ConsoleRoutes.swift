import Foundation
import PetrelStore
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelCore
import PetrelWire

/// The bundled web console: static files under `/console/` (our own HTML, CSS and JavaScript,
/// shipped as the `Static/` resource folder), Debian's CodeMirror under `/console/vendor/codemirror/`
/// when `libjs-codemirror` is installed, and the one server-side helper the public API lacks:
/// saved test events, under `/_petrel/console-api/`. Everything else the console does goes through
/// the public Lambda, DynamoDB and Logs APIs, as the AWS CLI would.
struct ConsoleRoutes: Sendable {
    let testEvents: ConsoleTestEvents
    /// Where the static files are read from: the bundled resource, or `PETREL_CONSOLE_DIR`
    /// (a source checkout's `Static/` folder, for editing the console without rebuilding).
    let staticRoot: URL
    let codeMirrorRoot: URL

    init(store: Store) {
        testEvents = ConsoleTestEvents(store: store)
        if let dir = ProcessInfo.processInfo.environment["PETREL_CONSOLE_DIR"], !dir.isEmpty {
            staticRoot = URL(fileURLWithPath: dir, isDirectory: true)
        } else {
            staticRoot = Bundle.module.url(forResource: "Static", withExtension: nil)!
        }
        codeMirrorRoot = URL(fileURLWithPath: ProcessInfo.processInfo.environment["PETREL_CODEMIRROR_DIR"]
                             ?? "/usr/share/javascript/codemirror", isDirectory: true)
    }

    static func matches(_ path: String) -> Bool {
        path == "/console" || path.hasPrefix("/console/") || path.hasPrefix("/_petrel/console-api/")
    }

    func respond(to request: Request) async -> Response {
        let path = request.uri.path
        do {
            if path.hasPrefix("/_petrel/console-api/") {
                return try await api(request)
            }
            guard request.method == .get || request.method == .head else {
                throw AWSError("MethodNotAllowedException", status: 405, "The console's files are read with GET.")
            }
            if path == "/console" {
                return Response(status: .movedPermanently, headers: [.location: "/console/"])
            }
            let relative = String(path.dropFirst("/console/".count))
            if relative.hasPrefix("vendor/codemirror/") {
                return try file(root: codeMirrorRoot, relative: String(relative.dropFirst("vendor/codemirror/".count)),
                                request: request, cacheControl: "public, max-age=86400")
            }
            // Unknown paths without an extension are the single-page app's own routes.
            let name = relative.isEmpty || !relative.split(separator: "/").last!.contains(".") ? "index.html" : relative
            return try file(root: staticRoot, relative: name, request: request, cacheControl: "no-cache")
        } catch let error as AWSError {
            return Response.wire(WireProtocol.restJSON.render(error))
        } catch let error as RequestBodyError {
            return Response.wire(WireProtocol.restJSON.render(error.awsError { _ in .requestTooLarge("A test event must be smaller than 256 KB.") }))
        } catch {
            return Response.wire(WireProtocol.restJSON.render(.service()))
        }
    }

    // MARK: Static files

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "json": "application/json", "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon",
        "txt": "text/plain; charset=utf-8",
    ]

    /// Serves `relative` under `root`, refusing anything that climbs out of it. Files are
    /// revalidated with an ETag (size and modification time), so a new build is seen at once.
    func file(root: URL, relative: String, request: Request, cacheControl: String) throws -> Response {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0 == "." || $0.hasPrefix(".") }) else {
            throw AWSError.resourceNotFound("No console file \(relative).")
        }
        let url = parts.reduce(root) { $0.appendingPathComponent(String($1)) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else {
            throw AWSError.resourceNotFound("No console file \(relative).")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = Int(((attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970)
        let etag = "\"\(String(size, radix: 16))-\(String(modified, radix: 16))\""
        var headers: HTTPFields = [
            .contentType: Self.contentTypes[url.pathExtension.lowercased()] ?? "application/octet-stream",
            .cacheControl: cacheControl,
            .eTag: etag,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if url.pathExtension == "html" {
            // Only our own files run here: no inline scripts, no framing (the console can delete things).
            headers[HTTPField.Name("Content-Security-Policy")!] =
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
            headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        }
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AWSError.resourceNotFound("No console file \(relative).")
        }
        headers[.contentLength] = String(data.count)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Test events

    /// `GET    /_petrel/console-api/functions/{name}/test-events`           → `{"TestEvents": [...]}`
    /// `PUT    /_petrel/console-api/functions/{name}/test-events/{event}`   body `{"Event": "<json>"}`
    /// `DELETE /_petrel/console-api/functions/{name}/test-events/{event}`
    func api(_ request: Request) async throws -> Response {
        let segments = request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        // ["_petrel", "console-api", "functions", name, "test-events", event?]
        guard segments.count >= 5, segments.count <= 6, segments[2] == "functions", segments[4] == "test-events" else {
            throw AWSError("UnknownOperationException", status: 404, "No console operation at \(request.method) \(request.uri.path).")
        }
        let function = segments[3]
        switch (request.method, segments.count) {
        case (.get, 5):
            let events = try await testEvents.list(function: function)
            return try json(["TestEvents": events])
        case (.put, 6):
            let body = Data(buffer: try await request.readBody(upTo: 256 * 1024))
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let event = object["Event"] as? String else {
                throw AWSError.validation("Send {\"Event\": \"<the event as JSON text>\"}.")
            }
            let saved = try await testEvents.save(function: function, name: segments[5], event: event)
            return try json(saved)
        case (.delete, 6):
            try await testEvents.delete(function: function, name: segments[5])
            return Response(status: .noContent)
        default:
            throw AWSError("UnknownOperationException", status: 404, "No console operation at \(request.method) \(request.uri.path).")
        }
    }

    func json<T: Encodable>(_ value: T) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A saved test event: a name and the event's JSON text, kept per function (at most 10, as on AWS).
struct ConsoleTestEvent: Codable, Sendable {
    var Name: String
    var Event: String
    var LastModified: Double
}

/// Saved test events in the shared SQLite store, so they survive browsers and restarts.
struct ConsoleTestEvents: Sendable {
    let store: Store
    static let maxPerFunction = 10

    static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("console-test-events-v1") { db in
            try db.executeScript("""
                CREATE TABLE console_test_events (
                    function_name TEXT NOT NULL,
                    name TEXT NOT NULL,
                    event TEXT NOT NULL,
                    last_modified REAL NOT NULL,
                    PRIMARY KEY (function_name, name)
                );
                """)
        }
    }

    func list(function: String) async throws -> [ConsoleTestEvent] {
        try await store.database.read { db in
            try db.fetchAll(sql: "SELECT name, event, last_modified FROM console_test_events WHERE function_name = ? ORDER BY name",
                             arguments: [function])
                .map { ConsoleTestEvent(Name: $0["name"], Event: $0["event"], LastModified: $0["last_modified"]) }
        }
    }

    func save(function: String, name: String, event: String) async throws -> ConsoleTestEvent {
        guard name.range(of: "^[A-Za-z0-9._-]{1,25}$", options: .regularExpression) != nil else {
            throw AWSError.validation("A test event's name is 1 to 25 letters, digits, dots, dashes or underscores.")
        }
        guard (try? JSONSerialization.jsonObject(with: Data(event.utf8), options: [.fragmentsAllowed])) != nil else {
            throw AWSError.validation("The test event is not valid JSON: fix it, then save again.")
        }
        let saved = ConsoleTestEvent(Name: name, Event: event, LastModified: Date().timeIntervalSince1970)
        try await store.database.write { db in
            let others = try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM console_test_events WHERE function_name = ? AND name <> ?",
                                          arguments: [function, name]) ?? 0
            guard others < Self.maxPerFunction else {
                throw AWSError("LimitExceededException", status: 400,
                               "A function keeps at most \(Self.maxPerFunction) test events: delete one, then save this one.")
            }
            try db.execute(sql: """
                INSERT INTO console_test_events (function_name, name, event, last_modified) VALUES (?, ?, ?, ?)
                ON CONFLICT (function_name, name) DO UPDATE SET event = excluded.event, last_modified = excluded.last_modified
                """, arguments: [function, name, event, saved.LastModified])
        }
        return saved
    }

    func delete(function: String, name: String) async throws {
        let deleted = try await store.database.write { db -> Int in
            try db.execute(sql: "DELETE FROM console_test_events WHERE function_name = ? AND name = ?", arguments: [function, name])
            return db.changesCount
        }
        if deleted == 0 { throw AWSError.resourceNotFound("No test event \(name) for function \(function).") }
    }
}
