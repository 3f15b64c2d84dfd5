import Foundation
import PetrelStore
import Testing
@testable import PetrelTables
import PetrelCore

@Suite struct StorageTests {
    @Test func shardIteratorsRoundTrip() throws {
        let it = ShardIterator(streamArn: "arn:aws:dynamodb:us-east-1:000000000000:table/t|x/stream/2024", shardId: "shardId-1", after: 42, issued: 1700000000.5)
        #expect(try ShardIterator(token: it.token) == it)
        #expect(throws: AWSError.self) { try ShardIterator(token: "garbage") }
    }

    @Test func groupCommitIsolatesFailures() async throws {
        let store = try Store.temporary(migrations: [{ m in
            m.registerMigration("t") { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY)") }
        }])
        let combiner = WriteCombiner(database: store.database)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask {
                    do {
                        try await combiner.write { db in
                            try db.execute(sql: "INSERT INTO t (k) VALUES (?)", arguments: [i])
                            if i % 10 == 0 { throw AWSError.validation("fail \(i)") }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            var results: [Bool] = []
            for await r in group { results.append(r) }
            return results
        }
        #expect(outcomes.filter { $0 }.count == 180)
        let count = try await store.database.read { db in try db.fetchOne(Int.self, sql: "SELECT count(*) FROM t") }
        #expect(count == 180, "failed writes roll back only their own savepoint")
    }
}
