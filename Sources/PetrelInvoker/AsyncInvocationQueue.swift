import Foundation
import PetrelStore
import Logging
import PetrelCore
import PetrelFunctions
import Synchronization

/// Asynchronous invocations (`InvocationType: Event`, `InvokeAsync`): written to SQLite
/// before the 202 is sent, so a queued event survives `kill -9`; run soon after; retried
/// twice on a function error, as AWS does, then dropped with a log line. Delivery is at least
/// once: an invocation running when the server dies runs again after the restart.
public final class AsyncInvocationQueue: Sendable {
    let store: Store
    let functions: FunctionRegistry
    let invoker: Invoker
    let account: Account
    let retryDelay: Duration
    let logger: Logger
    private let inFlight = Mutex<Set<String>>([])
    private let wakeUp = WakeSignal()
    /// AWS's MaximumRetryAttempts default for asynchronous invocation.
    static let maximumRetryAttempts = 2
    static let maxConcurrent = 256

    public init(store: Store, functions: FunctionRegistry, invoker: Invoker, account: Account,
                retryDelay: Duration, logger: Logger) {
        self.store = store
        self.functions = functions
        self.invoker = invoker
        self.account = account
        self.retryDelay = retryDelay
        self.logger = logger
    }

    public static func registerMigrations(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("async-invocations-v1") { db in
            try db.executeScript("""
                CREATE TABLE lambda_async_invocations (
                    request_id TEXT PRIMARY KEY,
                    function_name TEXT NOT NULL,
                    qualifier TEXT,
                    region TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    not_before REAL NOT NULL,
                    created REAL NOT NULL
                );
                CREATE INDEX lambda_async_due ON lambda_async_invocations (not_before);
                """)
        }
    }

    /// Durably queues an event; returns once it has committed.
    public func enqueue(functionName: String, qualifier: String?, payload: Data, requestID: String, region: String) throws {
        let now = Date().timeIntervalSince1970
        try store.database.write { db in
            try db.execute(sql: """
                INSERT INTO lambda_async_invocations (request_id, function_name, qualifier, region, payload, not_before, created)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [requestID, functionName, qualifier, region, payload, now, now])
        }
        wakeUp.signal()
    }

    public func pendingCount() throws -> Int {
        try store.database.read { db in try db.fetchOne(Int.self, sql: "SELECT COUNT(*) FROM lambda_async_invocations") ?? 0 }
    }

    struct Entry: Sendable {
        var requestID: String
        var functionName: String
        var qualifier: String?
        var region: String
        var payload: Data
        var attempts: Int
    }

    /// Runs due invocations until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let (due, nextDue) = (try? fetchDue()) ?? ([], nil)
                for entry in due {
                    group.addTask {
                        await self.execute(entry)
                        _ = self.inFlight.withLock { $0.remove(entry.requestID) }
                        self.wakeUp.signal()
                    }
                }
                if !due.isEmpty { continue }
                // Sleep until something is queued or finishes, or the next retry is due.
                let wait = nextDue.map { max(0.002, min(1.0, $0 - Date().timeIntervalSince1970)) } ?? 1.0
                await wakeUp.wait(timeout: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    func fetchDue() throws -> ([Entry], Double?) {
        let now = Date().timeIntervalSince1970
        let busy = inFlight.withLock { $0 }
        guard busy.count < Self.maxConcurrent else { return ([], now + 0.05) }
        let rows = try store.database.read { db in
            try db.fetchAll(sql: "SELECT * FROM lambda_async_invocations ORDER BY not_before LIMIT ?",
                             arguments: [Self.maxConcurrent])
        }
        var due: [Entry] = []
        var nextDue: Double?
        for row in rows {
            let id: String = row["request_id"]
            if busy.contains(id) { continue }
            let notBefore: Double = row["not_before"]
            if notBefore > now {
                nextDue = min(nextDue ?? notBefore, notBefore)
                continue
            }
            due.append(Entry(requestID: id, functionName: row["function_name"], qualifier: row["qualifier"],
                             region: row["region"], payload: row["payload"], attempts: row["attempts"]))
        }
        inFlight.withLock { set in due.forEach { set.insert($0.requestID) } }
        return (due, nextDue)
    }

    func execute(_ entry: Entry) async {
        let account = self.account.inRegion(entry.region)
        let function: FunctionRecord
        do {
            function = try functions.get(FunctionReference(name: entry.functionName, qualifier: entry.qualifier), account: account)
        } catch {
            logger.warning("Dropping async invocation \(entry.requestID): function \(entry.functionName) no longer exists")
            delete(entry.requestID)
            return
        }
        let request = InvocationRequest(function: function, payload: entry.payload, requestID: entry.requestID,
                                        invokedFunctionArn: account.lambdaFunctionARN(function.name, qualifier: entry.qualifier))
        do {
            let result = try await invoker.invoke(request)
            if !result.isError {
                delete(entry.requestID)
            } else if entry.attempts >= Self.maximumRetryAttempts {
                logger.warning("Async invocation \(entry.requestID) of \(entry.functionName) failed \(entry.attempts + 1) times; dropping it: \(String(decoding: result.payload.prefix(512), as: UTF8.self))")
                delete(entry.requestID)
            } else {
                reschedule(entry.requestID, attempts: entry.attempts + 1, after: retryDelay * (entry.attempts + 1))
            }
        } catch {
            // Throttled: try again shortly; throttles do not count as attempts.
            reschedule(entry.requestID, attempts: entry.attempts, after: .milliseconds(500))
        }
    }

    private func delete(_ requestID: String) {
        _ = try? store.database.write { db in
            try db.execute(sql: "DELETE FROM lambda_async_invocations WHERE request_id = ?", arguments: [requestID])
        }
    }

    private func reschedule(_ requestID: String, attempts: Int, after delay: Duration) {
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        _ = try? store.database.write { db in
            try db.execute(sql: "UPDATE lambda_async_invocations SET attempts = ?, not_before = ? WHERE request_id = ?",
                           arguments: [attempts, Date().timeIntervalSince1970 + seconds, requestID])
        }
    }
}
