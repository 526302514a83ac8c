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
    (
        4,
        "reports: closed vocabularies as ENUMs, content hash as a number",
        r"
-- Cheaper to store and to compress at load than text (~30% of DuckDB's part
-- of an ingest): the three closed vocabularies become ENUMs (one byte each)
-- and the content hash its first 64 bits. Values must match the program's
-- own lists (`model::VenueType::ALL`, ...; tested); a new value needs a
-- migration that recreates the type.
CREATE TYPE venue_type_t AS ENUM ('car_wash', 'nail_bar', 'service_station', 'farm', 'other');
CREATE TYPE exploitation_type_t AS ENUM ('labour', 'sexual', 'criminal', 'domestic_servitude', 'unknown');
CREATE TYPE geocode_method_t AS ENUM ('wgs84', 'bng', 'postcode', 'outward_code', 'town', 'address_postcode', 'address_town');
ALTER TABLE reports ALTER venue_type TYPE venue_type_t;
ALTER TABLE reports ALTER exploitation_type TYPE exploitation_type_t;
ALTER TABLE reports ALTER geocode_method TYPE geocode_method_t;
-- Only what DuckDB's core binds: a crash before the next checkpoint replays
-- this from the log before the bundled extensions are registered, and `left`
-- or `>>` (in `core_functions`) would then make DuckDB try to download one.
ALTER TABLE reports ALTER content_hash TYPE UBIGINT
    USING CAST('0x' || substring(content_hash, 1, 16) AS UBIGINT);
",
    ),
    (
        5,
        "reports: no text copies of indicator_mask or of a WGS84 point",
        r"
-- Two columns that only repeated others (~15% of DuckDB's work at load):
-- `indicators` spelled out `indicator_mask` (bit i = model::Indicator::ALL[i]),
-- and `location_input` of a report located by WGS84 as given was its own
-- `lat`/`lng`. Such reports now store NULL there, read as `ll:{lat}:{lng}`.
ALTER TABLE reports DROP COLUMN indicators;
ALTER TABLE reports ALTER location_input DROP NOT NULL;
",
    ),
    (
        6,
        "premises, report_links, link_decisions, outcomes",
        r"
-- Premises: from an imported register (origin 'register') or made by linking
-- from reports that matched no register entry but each other ('reports').
-- Located as reports are (method, precision, cells at res 6..9).
CREATE TABLE premises (
    premises_id    VARCHAR NOT NULL,
    name           VARCHAR,
    name_key       VARCHAR NOT NULL,
    venue_type     venue_type_t NOT NULL,
    address        VARCHAR,
    postcode       VARCHAR,
    lat            DOUBLE NOT NULL,
    lng            DOUBLE NOT NULL,
    geocode_method geocode_method_t NOT NULL,
    precision_m    DOUBLE NOT NULL,
    h3_r6          UBIGINT,
    h3_r7          UBIGINT,
    h3_r8          UBIGINT,
    h3_r9          UBIGINT,
    status         VARCHAR NOT NULL,
    opened_on      DATE,
    closed_on      DATE,
    origin         VARCHAR NOT NULL,
    line           BIGINT NOT NULL,
    content_hash   UBIGINT NOT NULL,
    merged_into    VARCHAR
);
-- One row per linked report; replaced whole by each relink.
CREATE TABLE report_links (
    source      VARCHAR NOT NULL,
    report_id   VARCHAR NOT NULL,
    premises_id VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    reason      VARCHAR NOT NULL
);
-- Analysts' decisions (merge two premises, detach a report): relinking keeps them.
CREATE TABLE link_decisions (
    decided_at  TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    premises_id VARCHAR,
    other_id    VARCHAR,
    source      VARCHAR,
    report_id   VARCHAR
);
CREATE TABLE outcomes (
    visit_id               VARCHAR NOT NULL,
    visited_on             DATE NOT NULL,
    premises_id            VARCHAR,
    lat                    DOUBLE NOT NULL,
    lng                    DOUBLE NOT NULL,
    precision_m            DOUBLE NOT NULL,
    h3_r6                  UBIGINT,
    h3_r7                  UBIGINT,
    h3_r8                  UBIGINT,
    h3_r9                  UBIGINT,
    operation              VARCHAR,
    result                 VARCHAR NOT NULL,
    potential_victims      INTEGER,
    nrm_referrals          INTEGER,
    arrests                INTEGER,
    safeguarding_referrals INTEGER,
    notes                  VARCHAR,
    line                   BIGINT NOT NULL,
    content_hash           UBIGINT NOT NULL
);
",
    ),
    (
        7,
        "report_links.incident_id",
        r"
-- Reports of one premises at most 7 days apart are one incident:
-- '{premises_id}/{n}', n counting the premises' incidents from its first report.
ALTER TABLE report_links ADD COLUMN incident_id VARCHAR;
",
    ),
    (
        8,
        "context_crimes",
        r"
-- Recorded crime from data.police.uk street-level files: context beside the
-- reports, never mixed with them. A (source, force, month) is imported whole
-- and replaced whole (`context import --force`).
CREATE TABLE context_crimes (
    source     VARCHAR NOT NULL,
    force      VARCHAR NOT NULL,
    month      DATE NOT NULL,
    crime_id   VARCHAR,
    crime_type VARCHAR NOT NULL,
    lat        DOUBLE NOT NULL,
    lng        DOUBLE NOT NULL,
    location   VARCHAR,
    lsoa_code  VARCHAR,
    outcome    VARCHAR,
    h3_r6      UBIGINT,
    h3_r7      UBIGINT,
    h3_r8      UBIGINT,
    h3_r9      UBIGINT,
    run_id     BIGINT NOT NULL,
    line       BIGINT NOT NULL
);
",
    ),
    (
        9,
        "public_reports",
        r"
-- Reports sent from the public reporting page wait here, outside `reports`,
-- until a tactical user accepts them (then they are loaded as source `public`
-- with report id `public-<id>`) or rejects them with a reason. Nothing that
-- identifies the sender is stored: the record holds only the form's fields.
CREATE TABLE public_reports (
    id          BIGINT PRIMARY KEY,
    received_at TIMESTAMP NOT NULL,
    lang        VARCHAR NOT NULL,
    record      VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    decided_by  VARCHAR,
    decided_at  TIMESTAMP,
    reason      VARCHAR,
    report_id   VARCHAR
);
",
    ),
    (
        10,
        "reports: one H3 cell per report, coarser cells derived; report ids stored uncompressed",
        r"
-- A report's cells at coarser resolutions are its finest cell's parents
-- (`geo::index`), so only the finest is stored (`h3_cell`, NULL when the
-- precision supports no resolution from 6 to 9); queries derive the others
-- (`schema::report_cell`): a third smaller file, and three columns fewer to
-- convert and compress at every load. Not as generated columns: DuckDB
-- computes those at every insert (a fifth more of its CPU at load). The
-- rebuilt table also stores report ids uncompressed (below).
CREATE TABLE reports_one_cell (
    source            VARCHAR NOT NULL,
    -- Ids are nearly all distinct: compressing them (dictionary, then FSST)
    -- was a sixth of DuckDB's work at load for ~8 bytes a report of file.
    report_id         VARCHAR NOT NULL USING COMPRESSION uncompressed,
    content_hash      UBIGINT NOT NULL,
    observed_on       DATE NOT NULL,
    venue_type        venue_type_t NOT NULL,
    venue_name        VARCHAR,
    exploitation_type exploitation_type_t NOT NULL,
    indicator_mask    USMALLINT NOT NULL,
    persons_count     INTEGER,
    nationalities     VARCHAR,
    child_involved    BOOLEAN,
    grading           VARCHAR,
    notes             VARCHAR,
    location_input    VARCHAR,
    lat               DOUBLE NOT NULL,
    lng               DOUBLE NOT NULL,
    geocode_method    geocode_method_t NOT NULL,
    precision_m       DOUBLE NOT NULL,
    geocode_note      VARCHAR,
    h3_cell           UBIGINT,
    run_id            BIGINT NOT NULL,
    line              BIGINT NOT NULL,
    town              VARCHAR,
    district          VARCHAR
);
INSERT INTO reports_one_cell (
    source, report_id, content_hash, observed_on, venue_type, venue_name,
    exploitation_type, indicator_mask, persons_count, nationalities, child_involved,
    grading, notes, location_input, lat, lng, geocode_method, precision_m, geocode_note,
    h3_cell, run_id, line, town, district)
SELECT
    source, report_id, content_hash, observed_on, venue_type, venue_name,
    exploitation_type, indicator_mask, persons_count, nationalities, child_involved,
    grading, notes, location_input, lat, lng, geocode_method, precision_m, geocode_note,
    coalesce(h3_r9, h3_r8, h3_r7, h3_r6), run_id, line, town, district
FROM reports;
DROP TABLE reports;
ALTER TABLE reports_one_cell RENAME TO reports;
",
    ),
    (
        11,
        "content_hashing: how this database hashes reports' content",
        r"
-- `reports.content_hash` is only compared with the hash of a row with the
-- same key, so a database keeps one scheme (`model::ContentHashing`): one
-- that already holds reports keeps SHA-256, a new or empty one takes XXH3.
CREATE TABLE content_hashing (
    scheme VARCHAR NOT NULL CHECK (scheme IN ('sha256', 'xxh3-128'))
);
INSERT INTO content_hashing
SELECT CASE WHEN EXISTS (SELECT 1 FROM reports) THEN 'sha256' ELSE 'xxh3-128' END;
",
    ),
    (
        12,
        "ingest_runs.encoding, ingest_runs.delimiter: how a file's text was read",
        r"
-- The text encoding a file was read in (`UTF-8`, `windows-1252`, `UTF-16LE`)
-- and, for a CSV, the delimiter between its values: a name misread as
-- another encoding is stored without a reject, and this says why. NULL for
-- runs from before this migration and runs of no file (relinks).
ALTER TABLE ingest_runs ADD COLUMN encoding VARCHAR;
ALTER TABLE ingest_runs ADD COLUMN delimiter VARCHAR;
",
    ),
    (
        13,
        "ingest_runs.loaded_by: who asked for a load",
        r"
-- The staff account that uploaded, submitted or accepted the reports (a web
-- or API load), or `cli:USER` for the command line: the loads page answers
-- whom to ask about a file without an administrator reading the audit log.
-- A relink records whom it was done for (the register's loader, a merge's
-- actor). NULL for runs from before this migration, and where no one is known.
ALTER TABLE ingest_runs ADD COLUMN loaded_by VARCHAR;
",
    ),
    (
        14,
        "public_reports.sent_without_work: a public report sent without the proof of work",
        r"
-- TRUE when the public form came from a browser without JavaScript (or Web
-- Crypto), without the proof of work that slows a bot: the gate let it in
-- within its small hourly allowance, and triage says so. FALSE with the work;
-- NULL for reports queued before this migration.
ALTER TABLE public_reports ADD COLUMN sent_without_work BOOLEAN;
",
    ),
];

/// `(newest run id, report count)`: see [`Store::data_version`].
pub(super) fn read_data_version(conn: &duckdb::Connection) -> duckdb::Result<(i64, u64)> {
    conn.query_row(
        "SELECT (SELECT coalesce(max(run_id), 0) FROM ingest_runs), (SELECT count(*) FROM reports)",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64)),
    )
}

/// A report's H3 cell at a resolution (6..=9), as SQL over `reports.h3_cell`
/// (the finest cell its precision supports): that cell's parent, NULL when the
/// finest is coarser. An H3 index's resolution is bits 52-55; its parent at r
/// has r there and every digit below r set to 7 (all ones). A macro so that
/// [`report_cell`] and [`REPORT_CELLS`] share each literal.
macro_rules! report_cell_sql {
    (6) => {
        "(CASE WHEN (h3_cell >> 52) & 15 >= 6 THEN (h3_cell & 18379190079164776448::UBIGINT) | 27021597898440703::UBIGINT END)"
    };
    (7) => {
        "(CASE WHEN (h3_cell >> 52) & 15 >= 7 THEN (h3_cell & 18379190079282216960::UBIGINT) | 31525197408370687::UBIGINT END)"
    };
    (8) => {
        "(CASE WHEN (h3_cell >> 52) & 15 >= 8 THEN (h3_cell & 18379190079296897024::UBIGINT) | 36028797021061119::UBIGINT END)"
    };
    (9) => {
        "(CASE WHEN (h3_cell >> 52) & 15 >= 9 THEN (h3_cell & 18379190079298732032::UBIGINT) | 40532396646596607::UBIGINT END)"
    };
}

/// The expression for a resolution (6..=9).
pub(super) fn report_cell(resolution: u8) -> &'static str {
    match resolution {
        6 => report_cell_sql!(6),
        7 => report_cell_sql!(7),
        8 => report_cell_sql!(8),
        _ => report_cell_sql!(9),
    }
}

/// `h3_r6, h3_r7, h3_r8, h3_r9` of a report, derived as [`report_cell`] does.
pub(super) const REPORT_CELLS: &str = concat!(
    report_cell_sql!(6),
    " AS h3_r6, ",
    report_cell_sql!(7),
    " AS h3_r7, ",
    report_cell_sql!(8),
    " AS h3_r8, ",
    report_cell_sql!(9),
    " AS h3_r9"
);

/// The column of a table holding the H3 cell at a resolution (6..=9), for
/// the tables that keep one column per resolution (`premises`, `context_crimes`).
pub(super) fn cell_column(resolution: u8) -> &'static str {
    match resolution {
        6 => "h3_r6",
        7 => "h3_r7",
        8 => "h3_r8",
        _ => "h3_r9",
    }
}

#[cfg(test)]
mod tests {
    use duckdb::{params, Connection};

    use super::MIGRATIONS;
    use crate::model::{ExploitationType, GeocodeMethod, VenueType};
    use crate::store::Store;

    /// The SQL that derives a report's coarser cells gives h3o's parents of
    /// its finest cell, and NULL above the finest resolution, for cells all
    /// over the UK at every finest resolution.
    #[test]
    fn report_cells_in_sql_are_the_finest_cells_parents() {
        use h3o::{LatLng, Resolution};
        let conn = Connection::open_in_memory().expect("open");
        let resolutions = [
            Resolution::Six,
            Resolution::Seven,
            Resolution::Eight,
            Resolution::Nine,
        ];
        let mut checked = 0;
        // A 25 x 20 lattice over the UK, off any cell's grid.
        for i in 0..500 {
            let (row, column) = (f64::from(i / 20), f64::from(i % 20));
            let point = LatLng::new(50.0 + row * 0.3417, -6.0 + column * 0.3903).expect("point");
            for finest in resolutions {
                let cell = point.to_cell(finest);
                for (i, resolution) in resolutions.iter().enumerate() {
                    let sql = format!(
                        "SELECT {} FROM (SELECT CAST(? AS UBIGINT) AS h3_cell)",
                        super::report_cell(6 + i as u8)
                    );
                    let derived: Option<u64> = conn
                        .query_row(&sql, params![u64::from(cell).to_string()], |r| r.get(0))
                        .expect("derive");
                    let expected = (*resolution <= finest)
                        .then(|| cell.parent(*resolution))
                        .flatten()
                        .map(u64::from);
                    assert_eq!(derived, expected, "{cell} at {resolution}");
                    checked += 1;
                }
            }
        }
        let all: (Option<u64>, Option<u64>, Option<u64>, Option<u64>) = conn
            .query_row(
                &format!(
                    "SELECT {} FROM (SELECT CAST(NULL AS UBIGINT) AS h3_cell)",
                    super::REPORT_CELLS
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("no cell");
        assert_eq!(all, (None, None, None, None));
        assert_eq!(checked, 8_000);
    }

    #[test]
    fn enum_types_list_the_programs_values() {
        let store = Store::open_in_memory().expect("open");
        let values = |ty: &str| -> Vec<String> {
            store
                .conn
                .query_row(
                    &format!("SELECT CAST(enum_range(NULL::{ty}) AS VARCHAR[])"),
                    [],
                    |r| r.get::<_, duckdb::types::Value>(0),
                )
                .map(|v| match v {
                    duckdb::types::Value::List(items) => items
                        .into_iter()
                        .map(|item| match item {
                            duckdb::types::Value::Text(t) => t,
                            other => panic!("{other:?}"),
                        })
                        .collect(),
                    other => panic!("{other:?}"),
                })
                .expect("enum_range")
        };
        let ours = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();
        assert_eq!(
            values("venue_type_t"),
            ours(&VenueType::ALL.map(VenueType::as_str))
        );
        assert_eq!(
            values("exploitation_type_t"),
            ours(&ExploitationType::ALL.map(ExploitationType::as_str))
        );
        assert_eq!(
            values("geocode_method_t"),
            ours(&GeocodeMethod::ALL.map(GeocodeMethod::as_str))
        );
        // The loader sends a value as its discriminant + 1 (`report_batch::enum_type`).
        let discriminants = |values: Vec<usize>| values == (0..values.len()).collect::<Vec<_>>();
        assert!(discriminants(VenueType::ALL.map(|v| v as usize).to_vec()));
        assert!(discriminants(
            ExploitationType::ALL.map(|v| v as usize).to_vec()
        ));
        assert!(discriminants(
            GeocodeMethod::ALL.map(|v| v as usize).to_vec()
        ));
    }

    /// A report as the loader wrote it before migration 4 (hex content hash,
    /// text vocabularies, `indicators` spelled out).
    const REPORT_BEFORE_MIGRATION_4: &str = "INSERT INTO reports (source, report_id, \
        content_hash, observed_on, venue_type, exploitation_type, indicators, indicator_mask, \
        location_input, lat, lng, geocode_method, precision_m, run_id, line) VALUES ('app', 'R1', \
        'c1d96bf37bae982180224a9f3263dc55', DATE '2023-09-06', 'nail_bar', 'criminal', '', 0, \
        'pc:PE13 1AB', 52.66, 0.16, 'outward_code', 900, 1, 2)";

    /// Replaying a write-ahead log happens before DuckDB registers its bundled
    /// extensions: a migration that calls a function from one (`left` is in
    /// `core_functions`) left a database that would not open after a crash
    /// (DuckDB tried to download the extension). The log here holds every
    /// migration and an old report, and is replayed on open.
    #[test]
    fn migrations_replay_from_the_write_ahead_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("crashed.duckdb");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch("PRAGMA disable_checkpoint_on_shutdown")
                .expect("pragma");
            conn.execute_batch(MIGRATIONS[0].2).expect("migration 1");
            conn.execute_batch(REPORT_BEFORE_MIGRATION_4)
                .expect("old report");
            for (_, _, sql) in &MIGRATIONS[1..] {
                conn.execute_batch(sql).expect("migration");
            }
        }
        assert!(
            dir.path().join("crashed.duckdb.wal").exists(),
            "the test needs a log to replay"
        );
        let conn = Connection::open(&path).expect("reopen replays the log");
        let digest: u64 = conn
            .query_row("SELECT content_hash FROM reports", [], |r| r.get(0))
            .expect("read back");
        assert_eq!(digest, 0xc1d9_6bf3_7bae_9821);
    }

    /// An in-memory database as a program that knew the migrations before
    /// `version` left it, and recorded them as applied.
    fn database_before(version: i32) -> Connection {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, \
             applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
        )
        .expect("schema_migrations");
        for (v, name, sql) in MIGRATIONS.iter().filter(|m| m.0 < version) {
            conn.execute_batch(sql).expect("old migration");
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                params![v, name],
            )
            .expect("record");
        }
        conn
    }

    /// Migration 10 keeps a stored report's finest cell, and the cells
    /// derived from it are the ones it had (written as parents, as loads
    /// since "one H3 cell per report" did).
    #[test]
    fn migration_10_keeps_the_finest_cell() {
        use h3o::{LatLng, Resolution};
        let conn = database_before(10);
        let point = LatLng::new(52.666, 0.158).expect("point");
        let r9 = point.to_cell(Resolution::Nine);
        let parents = |finest: Resolution| -> Vec<Option<u64>> {
            [
                Resolution::Six,
                Resolution::Seven,
                Resolution::Eight,
                Resolution::Nine,
            ]
            .into_iter()
            .map(|r| (r <= finest).then(|| r9.parent(r)).flatten().map(u64::from))
            .collect()
        };
        let insert =
            "INSERT INTO reports (source, report_id, content_hash, observed_on, venue_type, \
             exploitation_type, indicator_mask, lat, lng, geocode_method, precision_m, \
             h3_r6, h3_r7, h3_r8, h3_r9, run_id, line) VALUES ('app', ?, 1, DATE '2023-09-06', \
             'farm', 'labour', 0, 52.666, 0.158, 'wgs84', 10, \
             CAST(? AS UBIGINT), CAST(? AS UBIGINT), CAST(? AS UBIGINT), CAST(? AS UBIGINT), 1, 2)";
        let text = |cells: &[Option<u64>]| -> Vec<Option<String>> {
            cells.iter().map(|c| c.map(|c| c.to_string())).collect()
        };
        for (id, finest) in [("gps", Resolution::Nine), ("town", Resolution::Six)] {
            let cells = text(&parents(finest));
            conn.execute(insert, params![id, cells[0], cells[1], cells[2], cells[3]])
                .expect("old report");
        }
        let store = Store::init(conn, ":memory:".into()).expect("migrate");
        let sql = format!(
            "SELECT h3_cell, {} FROM reports ORDER BY report_id",
            super::REPORT_CELLS
        );
        let mut stmt = store.conn.prepare(&sql).expect("prepare");
        let rows: Vec<Vec<Option<u64>>> = stmt
            .query_map([], |r| (0..5).map(|i| r.get(i)).collect())
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let gps = parents(Resolution::Nine);
        let town = parents(Resolution::Six);
        assert_eq!(rows[0][0], gps[3], "the finest cell of a GPS report");
        assert_eq!(rows[0][1..], gps[..]);
        assert_eq!(rows[1][0], town[0], "a town's cell");
        assert_eq!(rows[1][1..], town[..]);
    }

    /// Migration 11: a database that holds reports keeps hashing their content
    /// with SHA-256 (its stored hashes were made so); an empty one, like a
    /// new one, takes XXH3.
    #[test]
    fn migration_11_keeps_sha256_where_reports_are_stored() {
        use crate::model::ContentHashing;
        let empty = Store::init(database_before(11), ":memory:".into()).expect("migrate");
        assert_eq!(empty.content_hashing(), ContentHashing::Xxh3);
        let conn = database_before(11);
        conn.execute_batch(
            "INSERT INTO reports (source, report_id, content_hash, observed_on, venue_type, \
             exploitation_type, indicator_mask, lat, lng, geocode_method, precision_m, run_id, line) \
             VALUES ('app', 'R1', 1, DATE '2023-09-06', 'farm', 'labour', 0, 52.666, 0.158, \
             'wgs84', 10, 1, 2)",
        )
        .expect("old report");
        let holding = Store::init(conn, ":memory:".into()).expect("migrate");
        assert_eq!(holding.content_hashing(), ContentHashing::Sha256);
        assert_eq!(
            Store::open_in_memory().expect("new").content_hashing(),
            ContentHashing::Xxh3
        );
        let reopened = holding.try_clone().expect("clone");
        assert_eq!(reopened.content_hashing(), ContentHashing::Sha256);
    }

    /// Report ids are written uncompressed (migration 10), the other text
    /// columns as DuckDB chooses.
    #[test]
    fn report_ids_are_stored_uncompressed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("ids.duckdb")).expect("open");
        store
            .conn
            .execute_batch(
                "INSERT INTO reports (source, report_id, content_hash, observed_on, venue_type, \
                 exploitation_type, indicator_mask, lat, lng, geocode_method, precision_m, run_id, line) \
                 SELECT 'app', 'R' || i, i, DATE '2024-01-01', 'farm', 'labour', 0, 52.0, 0.1, \
                 'wgs84', 10, 1, i FROM range(5000) t(i); CHECKPOINT;",
            )
            .expect("rows");
        let compression = |column: &str| -> Vec<String> {
            store.column(
                "SELECT DISTINCT compression FROM pragma_storage_info('reports') \
                 WHERE column_name = ? AND segment_type = 'VARCHAR' ORDER BY 1",
                [column],
            )
        };
        assert_eq!(compression("report_id"), ["Uncompressed"]);
        assert_ne!(compression("source"), ["Uncompressed"]);
    }

    /// A database written before migration 4 keeps its reports: the text
    /// columns become ENUMs with the same values and the hex content hash the
    /// number the loader now computes (its first 16 hex digits).
    #[test]
    fn migration_4_converts_stored_reports() {
        let conn = database_before(4);
        conn.execute_batch(REPORT_BEFORE_MIGRATION_4)
            .expect("old report");
        let store = Store::init(conn, ":memory:".into()).expect("migrate");
        let row: (String, String, String, u64) = store
            .conn
            .query_row(
                "SELECT venue_type, exploitation_type, geocode_method, content_hash FROM reports",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("read back");
        assert_eq!(
            row,
            (
                "nail_bar".to_owned(),
                "criminal".to_owned(),
                "outward_code".to_owned(),
                0xc1d9_6bf3_7bae_9821
            )
        );
        assert_eq!(
            store.schema_version().expect("version"),
            MIGRATIONS.last().map_or(0, |m| m.0)
        );
    }
}
