
/// The tables behind IAM and STS: users, access keys (long-term and temporary), roles,
/// groups, inline and managed policies with their versions, and attachments. (Audit findings
/// go to the log group `/petrel/iam/audit`.)
public enum IdentityMigrations {
    public static func register(_ migrator: inout SQLMigrations) {
        migrator.registerMigration("identity-v1") { db in
            try db.executeScript("""
                CREATE TABLE iam_principals (
                    kind TEXT NOT NULL,              -- 'user', 'role' or 'group'
                    name TEXT NOT NULL COLLATE NOCASE,
                    id TEXT NOT NULL UNIQUE,
                    arn TEXT NOT NULL,
                    path TEXT NOT NULL DEFAULT '/',
                    created REAL NOT NULL,
                    trust_policy TEXT,               -- roles only
                    description TEXT,
                    max_session_duration INTEGER,
                    boundary_arn TEXT,
                    tags TEXT NOT NULL DEFAULT '{}',
                    PRIMARY KEY (kind, name)
                );
                CREATE TABLE iam_access_keys (
                    access_key_id TEXT PRIMARY KEY,
                    secret TEXT NOT NULL,
                    owner_kind TEXT NOT NULL,        -- 'root', 'user' or 'session'
                    user_name TEXT,
                    status TEXT NOT NULL DEFAULT 'Active',
                    created REAL NOT NULL,
                    session_token TEXT,
                    expiration REAL,
                    role_arn TEXT,
                    session_name TEXT,
                    session_policy TEXT
                );
                CREATE INDEX iam_access_keys_by_user ON iam_access_keys (user_name);
                CREATE TABLE iam_inline_policies (
                    owner_kind TEXT NOT NULL,
                    owner_name TEXT NOT NULL COLLATE NOCASE,
                    name TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (owner_kind, owner_name, name)
                );
                CREATE TABLE iam_policies (
                    arn TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    id TEXT NOT NULL,
                    path TEXT NOT NULL DEFAULT '/',
                    description TEXT,
                    default_version TEXT NOT NULL,
                    next_version INTEGER NOT NULL,
                    created REAL NOT NULL,
                    updated REAL NOT NULL
                );
                CREATE TABLE iam_policy_versions (
                    arn TEXT NOT NULL REFERENCES iam_policies(arn) ON DELETE CASCADE,
                    version_id TEXT NOT NULL,
                    document TEXT NOT NULL,
                    created REAL NOT NULL,
                    PRIMARY KEY (arn, version_id)
                );
                CREATE TABLE iam_attachments (
                    owner_kind TEXT NOT NULL,
                    owner_name TEXT NOT NULL COLLATE NOCASE,
                    policy_arn TEXT NOT NULL,
                    PRIMARY KEY (owner_kind, owner_name, policy_arn)
                );
                CREATE TABLE iam_group_members (
                    group_name TEXT NOT NULL COLLATE NOCASE,
                    user_name TEXT NOT NULL COLLATE NOCASE,
                    PRIMARY KEY (group_name, user_name)
                );
                """)
        }
    }
}
