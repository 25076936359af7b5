-- bouncex events in ClickHouse: the table `bouncex scan --format ndjson` loads into, and the
-- knowledge base's codes to join titles and advice from. The README ("More than one
-- machine") shows how to load both; report.sql holds the queries.

-- One row per delivery attempt or message expiry. The JSON fields keep their names;
-- `ts` and `hour` are computed from `time` on insert.
CREATE TABLE IF NOT EXISTS bounce_events
(
    host        LowCardinality(String),             -- syslog host, else the file's folder; '' for none
    file        String,                             -- '' for standard input
    line        UInt64,                             -- the line's number in its file
    time        Nullable(String),                   -- RFC 3339, in the log's own clock and offset
    queue_id    Nullable(String),
    recipient   Nullable(String),
    recipients  Array(String),                      -- an expiry's recipients still deferred, which it ends
    domain      Nullable(String),                   -- lower-cased
    remote_host Nullable(String),
    status      LowCardinality(String),             -- sent | deferred | bounced | expired
    code        LowCardinality(Nullable(String)),   -- the verdict's enhanced code
    bounce      LowCardinality(Nullable(String)),   -- hard | soft | none
    reason      LowCardinality(Nullable(String)),
    action      LowCardinality(Nullable(String)),
    ts          Nullable(DateTime64(6, 'UTC')) MATERIALIZED parseDateTime64BestEffortOrNull(time, 6, 'UTC'),
    hour        Nullable(UInt8) MATERIALIZED toUInt8OrNull(substring(time, 12, 2))  -- the log's own clock
)
ENGINE = MergeTree
-- Ordered for the report: per host, then by what is grouped and counted (status, code), and
-- (queue_id, recipient) last so each message's attempts sit together for the deferral pairs.
ORDER BY (host, status, ifNull(code, ''), ifNull(queue_id, ''), ifNull(recipient, ''))
SETTINGS allow_nullable_key = 0;

-- Deferral pairs: one row per (host, queue id, recipient) with at least one deferral.
-- Recipients are compared lower-cased. Each pair's attempts,
-- with its message's expiries, are replayed in log order: a deferral opens the pair (once),
-- a delivery or bounce closes it (and a later deferral opens it again), an expiry marks it
-- expired (a later delivery or bounce still wins; a deferral after its message expired
-- counts as expired). What is open at the end is expired or pending.
-- s = (open, first deferral, expired, message expired, delivered, bounced, delays in µs).
CREATE VIEW IF NOT EXISTS bounce_deferral_pairs AS
    SELECT
        host,
        queue_id,
        rcpt,
        arrayFold(
            (acc, e) -> multiIf(
                e.2 = 'deferred' AND acc.1 = 0,
                    (1, e.3, acc.4, acc.4, acc.5, acc.6, acc.7),
                e.2 = 'expired',
                    (acc.1, acc.2, acc.3 OR acc.1 = 1, 1, acc.5, acc.6, acc.7),
                e.2 = 'sent' AND acc.1 = 1,
                    (0, acc.2, 0, acc.4, acc.5 + 1, acc.6,
                     if(acc.2 IS NULL OR e.3 IS NULL, acc.7,
                        arrayPushBack(acc.7, dateDiff('microsecond', assumeNotNull(acc.2), assumeNotNull(e.3))))),
                e.2 = 'bounced' AND acc.1 = 1,
                    (0, acc.2, 0, acc.4, acc.5, acc.6 + 1, acc.7),
                acc),
            arraySort(e -> (e.3, e.4, e.5), groupArray((0, status, ts, file, line))),
            -- open, first deferral, expired, message expired, delivered, bounced, delays (µs)
            CAST((0, NULL, 0, 0, 0, 0, []),
                 'Tuple(UInt8, Nullable(DateTime64(6, \'UTC\')), UInt8, UInt8, UInt64, UInt64, Array(Int64))')
        ) AS s
    FROM
    (
        SELECT host, queue_id, lower(recipient) AS rcpt, status, ts, file, line
        FROM bounce_events
        WHERE queue_id IS NOT NULL AND recipient IS NOT NULL AND status IN ('deferred', 'sent', 'bounced')
          AND (host, queue_id, lower(recipient)) IN
              (SELECT host, queue_id, lower(recipient) FROM bounce_events
               WHERE status = 'deferred' AND queue_id IS NOT NULL AND recipient IS NOT NULL)
        UNION ALL
        SELECT p.host, p.queue_id, p.rcpt, 'expired', x.ts, x.file, x.line
        FROM
            (SELECT DISTINCT host, queue_id, lower(recipient) AS rcpt FROM bounce_events
             WHERE status = 'deferred' AND queue_id IS NOT NULL AND recipient IS NOT NULL) AS p
            INNER JOIN
            (SELECT host, queue_id, ts, file, line FROM bounce_events
             WHERE status = 'expired' AND queue_id IS NOT NULL) AS x
            ON p.host = x.host AND p.queue_id = x.queue_id
    )
    GROUP BY host, queue_id, rcpt;

-- Many MTAs, many ClickHouse shards: deferral pairs are (host, queue id, recipient) and never
-- span hosts, so shard a Distributed table by host and every pair's attempts land on one
-- shard. The pairing in report.sql groups by host first, so with
-- optimize_distributed_group_by_sharding_key = 1 each shard pairs its own hosts and only
-- the per-pair outcomes travel; every other figure is a sum over shards.
--
--   CREATE TABLE bounce_events_all AS bounce_events
--   ENGINE = Distributed(my_cluster, currentDatabase(), bounce_events, cityHash64(host));

-- The knowledge base's codes: `bouncex list --format ndjson --no-basic`.
CREATE TABLE IF NOT EXISTS bounce_codes
(
    code     String,                 -- 5.1.1, or a range such as 4.7.500-699
    title    String,
    summary  String,
    class    LowCardinality(String),
    bounce   LowCardinality(String),
    severity LowCardinality(String),
    reason   LowCardinality(String),
    action   LowCardinality(String),
    provider Nullable(String),
    advice   Nullable(String)        -- what to do, in a line (scan's advice)
)
ENGINE = MergeTree
ORDER BY code;

-- Every code the table covers, ranges spread out; a single code's own entry wins over a
-- range that holds it, as in bouncex.
CREATE VIEW IF NOT EXISTS bounce_code_lookup AS
SELECT
    concat(prefix, toString(detail)) AS code,
    argMin(title, width) AS title,
    argMin(ifNull(advice, summary), width) AS advice
FROM
(
    SELECT
        title,
        advice,
        summary,
        splitByChar('.', splitByChar('-', b.code)[1]) AS parts,
        concat(parts[1], '.', parts[2], '.') AS prefix,
        toUInt32(parts[3]) AS lo,
        if(position(b.code, '-') > 0, toUInt32(splitByChar('-', b.code)[2]), lo) AS hi,
        hi - lo AS width,
        arrayJoin(range(lo, hi + 1)) AS detail
    FROM bounce_codes AS b
    WHERE length(splitByChar('.', splitByChar('-', b.code)[1])) = 3
)
GROUP BY code;

-- The dictionary to join: dictGet('bounce_code_dict', 'title', tuple(code)).
CREATE DICTIONARY IF NOT EXISTS bounce_code_dict
(
    code   String,
    title  String,
    advice String
)
PRIMARY KEY code
SOURCE(CLICKHOUSE(QUERY 'SELECT code, title, advice FROM bounce_code_lookup'))
LAYOUT(COMPLEX_KEY_HASHED())
LIFETIME(0);
