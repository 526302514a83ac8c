//! Versioned schema migrations, applied in order inside one transaction each.

/// `(version, name, sql)`. Append only: never edit a migration that has shipped.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "reports, rejects, ingest_runs",
        r"
CREATE SEQUENCE ingest_run_seq START 1;
CREATE TABLE ingest_runs (
    run_id       BIGINT PRIMARY KEY,
    file_name    VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    sha256       VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    rows_read    BIGINT,
    stored       BIGINT,
    duplicates   BIGINT,
    rejected     BIGINT,
    tool_version VARCHAR NOT NULL
);
-- One row per stored report. (source, report_id) is unique: the loader
-- classifies every staged row against this table before inserting.
CREATE TABLE reports (
    source            VARCHAR NOT NULL,
    report_id         VARCHAR NOT NULL,
    content_hash      VARCHAR NOT NULL,
    observed_on       DATE NOT NULL,
    venue_type        VARCHAR NOT NULL,
    venue_name        VARCHAR,
    exploitation_type VARCHAR NOT NULL,
    indicators        VARCHAR NOT NULL,
    indicator_mask    USMALLINT NOT NULL,
    persons_count     INTEGER,
    nationalities     VARCHAR,
    child_involved    BOOLEAN,
    grading           VARCHAR,
    notes             VARCHAR,
    location_input    VARCHAR NOT NULL,
    lat               DOUBLE NOT NULL,
    lng               DOUBLE NOT NULL,
    geocode_method    VARCHAR NOT NULL,
    precision_m       DOUBLE NOT NULL,
    geocode_note      VARCHAR,
    h3_r6             UBIGINT,
    h3_r7             UBIGINT,
    h3_r8             UBIGINT,
    h3_r9             UBIGINT,
    run_id            BIGINT NOT NULL,
    line              BIGINT NOT NULL
);
CREATE TABLE rejects (
    run_id BIGINT NOT NULL,
    file   VARCHAR NOT NULL,
    line   BIGINT NOT NULL,
    field  VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw    VARCHAR NOT NULL
);
",
    ),
    (
        2,
        "reports.town, reports.district",
        r"
-- Town (nearest place of >= 5,000 people) and local-authority district (ONS code),
-- assigned at load time from the report's res-7 cell; see geocode::Localities.
ALTER TABLE reports ADD COLUMN town VARCHAR;
ALTER TABLE reports ADD COLUMN district VARCHAR;
",
    ),
    (
        3,
        "users, sessions, api_tokens, audit_log",
        r"
-- Accounts. Passwords are argon2id PHC strings; session ids and token secrets
-- are stored as SHA-256 digests only (they are 256-bit random).
CREATE TABLE users (
    name          VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    disabled      BOOLEAN NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE TABLE sessions (
    id_digest  VARCHAR PRIMARY KEY,
    user_name  VARCHAR NOT NULL,
    csrf       VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE TABLE api_tokens (
    id            VARCHAR PRIMARY KEY,
    user_name     VARCHAR NOT NULL,
    secret_digest VARCHAR NOT NULL,
    label         VARCHAR,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
-- Append only: the program has no statement that updates or deletes it.
-- No key (concurrent appends from several connections never conflict).
CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
    seq     BIGINT NOT NULL DEFAULT nextval('audit_seq'),
    occurred_at TIMESTAMP NOT NULL,
    actor   VARCHAR,
    role    VARCHAR,
    action  VARCHAR NOT NULL,
    target  VARCHAR,
    detail  VARCHAR,
    rows    BIGINT,
    address VARCHAR,
    outcome VARCHAR NOT NULL
);
",
    ),
];
