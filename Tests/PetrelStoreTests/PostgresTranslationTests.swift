import PetrelStore
import Testing

@Suite struct PostgresTranslationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let portable: String
        let postgres: String
        let parameters: Int
        var testDescription: String { portable }
    }

    @Test(arguments: [
        Case(portable: "SELECT * FROM t WHERE a = ? AND b = ?", postgres: "SELECT * FROM t WHERE a = $1 AND b = $2", parameters: 2),
        Case(portable: "SELECT '?', \"a?\" FROM t WHERE c = ?", postgres: "SELECT '?', \"a?\" FROM t WHERE c = $1", parameters: 1),
        Case(portable: "SELECT 'it''s ?' || ? FROM t", postgres: "SELECT 'it''s ?' || $1 FROM t", parameters: 1),
        Case(portable: "SELECT a -- why?\nFROM t WHERE b = ?", postgres: "SELECT a -- why?\nFROM t WHERE b = $1", parameters: 1),
        Case(portable: "SELECT /* ? */ a FROM t WHERE b = ?", postgres: "SELECT /* ? */ a FROM t WHERE b = $1", parameters: 1),
        Case(portable: "UPDATE t SET a = ?2 WHERE b = ?1", postgres: "UPDATE t SET a = $2 WHERE b = $1", parameters: 2),
        Case(portable: "SELECT * FROM t LIMIT ? OFFSET ?", postgres: "SELECT * FROM t LIMIT $1 OFFSET $2", parameters: 2),
        Case(portable: "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, r REAL, b BLOB, s TEXT)",
             postgres: "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL, r DOUBLE PRECISION, b BYTEA, s TEXT)", parameters: 0),
        Case(portable: "CREATE TABLE t (id integer primary key autoincrement)", postgres: "CREATE TABLE t (id BIGSERIAL primary key)", parameters: 0),
        Case(portable: "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)", postgres: "CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT)", parameters: 0),
        Case(portable: "CREATE TABLE u (name TEXT NOT NULL COLLATE NOCASE)", postgres: "CREATE TABLE u (name TEXT NOT NULL COLLATE petrel_nocase)", parameters: 0),
        Case(portable: "SELECT CAST(? AS INTEGER), CAST(x AS REAL) FROM t", postgres: "SELECT CAST($1 AS BIGINT), CAST(x AS DOUBLE PRECISION) FROM t", parameters: 1),
        Case(portable: "SELECT 'INTEGER', integer_count, realm FROM t", postgres: "SELECT 'INTEGER', integer_count, realm FROM t", parameters: 0),
        Case(portable: "INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING id",
             postgres: "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING id", parameters: 2),
        Case(portable: "SELECT 'é?' , ? -- ünïcode ?", postgres: "SELECT 'é?' , $1 -- ünïcode ?", parameters: 1),
        Case(portable: "SELECT * FROM t WHERE a = ? AND (? IS NULL OR b = ?)", postgres: "SELECT * FROM t WHERE a = $1 AND (CAST($2 AS TEXT) IS NULL OR b = $3)", parameters: 3),
        Case(portable: "SELECT * FROM t WHERE ?  is not  null", postgres: "SELECT * FROM t WHERE CAST($1 AS TEXT)  is not  null", parameters: 1),
        Case(portable: "SELECT * FROM t WHERE ? IS NULLABLE", postgres: "SELECT * FROM t WHERE $1 IS NULLABLE", parameters: 1),
        Case(portable: "CREATE TABLE t (a TEXT PRIMARY KEY, b BLOB) WITHOUT ROWID", postgres: "CREATE TABLE t (a TEXT PRIMARY KEY, b BYTEA)", parameters: 0),
        Case(portable: "CREATE TABLE t (\n  a TEXT PRIMARY KEY\n) without rowid;", postgres: "CREATE TABLE t (\n  a TEXT PRIMARY KEY\n);", parameters: 0),
    ])
    func statements(_ example: Case) {
        let translated = PostgresTranslation.statement(example.portable)
        #expect(translated.sql == example.postgres)
        #expect(translated.parameterCount == example.parameters)
    }

    @Test func scriptsSplitIntoStatements() {
        let script = """
            -- a migration
            CREATE TABLE a (x TEXT DEFAULT ';');  -- trailing; comment
            CREATE INDEX a_x ON a (x);
            /* block; comment */
            INSERT INTO a (x) VALUES ('a;b');
            ;
            """
        #expect(PostgresTranslation.split(script) == [
            "CREATE TABLE a (x TEXT DEFAULT ';')",
            "CREATE INDEX a_x ON a (x)",
            "INSERT INTO a (x) VALUES ('a;b')",
        ])
        #expect(PostgresTranslation.split("SELECT 1") == ["SELECT 1"])
        #expect(PostgresTranslation.split("  -- nothing\n") == [])
    }
}

@Suite struct PostgresURLTests {
    @Test func fullURL() throws {
        let url = try PostgresURL("postgres://petrel:p%40ss@db.example:5433/petrel?pool=4")
        #expect(url.username == "petrel" && url.password == "p@ss" && url.host == "db.example" && url.port == 5433)
        #expect(url.database == "petrel" && url.poolSize == 4 && url.unixSocketPath == nil)
        #expect(url.redacted == "postgres://petrel:***@db.example:5433/petrel")
    }

    @Test func defaultsAndSocket() throws {
        let url = try PostgresURL("postgresql://alice@/?host=/run/postgresql")
        #expect(url.username == "alice" && url.password == nil && url.port == 5432 && url.database == "alice")
        #expect(url.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
    }

    @Test(arguments: ["sqlite:///tmp/x", "postgres://u@h/db?sslmode=require", "postgres://u@h/db?pool=0", "postgres://u@h/db?frobnicate=1"])
    func refused(_ text: String) {
        #expect(throws: PostgresURL.ParseError.self) { try PostgresURL(text) }
    }
}
