-- The figures of `bouncex scan --format json`, over the events table of schema.sql.
-- Each query starts with a `-- figure:` line naming the part of scan's JSON it gives
-- (check.py runs them one by one). Failed attempts are the deferred and bounced events;
-- lists are ranked most frequent first, then by name. Not derivable from events: `lines`
-- (lines read, events or not), `first_time`/`last_time` (they include inbound rejects) and
-- `inbound_rejects` (not delivery attempts, so not events).

-- figure: totals
SELECT
    count() AS events,
    countIf(status = 'sent') AS sent,
    countIf(status = 'deferred') AS deferred,
    countIf(status = 'bounced') AS bounced,
    countIf(status = 'expired') AS expired,
    countIf(status IN ('deferred', 'bounced') AND bounce = 'soft') AS soft,
    countIf(status IN ('deferred', 'bounced') AND bounce = 'hard') AS hard,
    countIf(status IN ('deferred', 'bounced') AND reason = 'greylisted') AS greylisted
FROM bounce_events;

-- figure: codes
SELECT
    code,
    bounce,
    count() AS count,
    dictGetOrNull('bounce_code_dict', 'title', tuple(code)) AS title,
    dictGetOrNull('bounce_code_dict', 'advice', tuple(code)) AS advice
FROM bounce_events
WHERE status IN ('deferred', 'bounced') AND code IS NOT NULL AND bounce IS NOT NULL
GROUP BY code, bounce
ORDER BY count DESC, code, bounce;

-- figure: reasons
SELECT reason, count() AS count
FROM bounce_events
WHERE status IN ('deferred', 'bounced') AND reason IS NOT NULL
GROUP BY reason
ORDER BY count DESC, reason;

-- figure: domains
SELECT domain, count() AS count
FROM bounce_events
WHERE status IN ('deferred', 'bounced') AND domain != ''
GROUP BY domain
ORDER BY count DESC, domain;

-- figure: remote_hosts
SELECT lower(remote_host) AS host, count() AS count
FROM bounce_events
WHERE status IN ('deferred', 'bounced') AND remote_host != ''
GROUP BY host
ORDER BY count DESC, host;

-- figure: by_hour
-- 24 counts by the log's own clock; NULL when failed attempts had a verdict but no time.
SELECT if(length(hours) = 0 AND judged > 0, NULL, arrayMap(h -> countEqual(hours, h), range(24))) AS by_hour
FROM
(
    SELECT
        groupArrayIf(assumeNotNull(hour), hour IS NOT NULL) AS hours,
        countIf(bounce IN ('soft', 'hard')) AS judged
    FROM bounce_events
    WHERE status IN ('deferred', 'bounced')
);

-- figure: deferrals
-- Over bounce_deferral_pairs (schema.sql). Time to delivery: from the first deferral to the
-- delivery, to a tenth of a second (halves away from zero); p90 is the nearest rank.
WITH totals AS
(
    SELECT
        sum(s.5) AS delivered_later,
        sum(s.6) AS bounced_later,
        countIf(s.1 = 1 AND s.3 = 1) AS expired,
        countIf(s.1 = 1 AND s.3 = 0) AS pending,
        arraySort(arrayFlatten(groupArray(s.7))) AS delays
    FROM bounce_deferral_pairs
)
SELECT
    delivered_later + bounced_later + expired + pending AS messages,
    delivered_later,
    bounced_later,
    expired,
    pending,
    if(delivered_later + bounced_later + expired = 0, NULL,
       floor(delivered_later / (delivered_later + bounced_later + expired) * 10000 + 0.5) / 10000) AS retry_success_rate,
    length(delays) AS n,
    -- tenths of a second, halves away from zero, from whole microseconds
    if(n = 0, NULL,
       if(n % 2 = 1,
          intDiv(delays[intDiv(n, 2) + 1] * 2 + 100000, 200000),
          intDiv(delays[intDiv(n, 2)] + delays[intDiv(n, 2) + 1] + 100000, 200000)) / 10) AS median,
    if(n = 0, NULL, intDiv(delays[least(intDiv(n * 9, 10), n - 1) + 1] * 2 + 100000, 200000) / 10) AS p90,
    if(n = 0, NULL, intDiv(delays[n] * 2 + 100000, 200000) / 10) AS max
FROM totals;

-- figure: hosts
-- Per host (`host` '' for lines that name none): events, and deferrals as above.
SELECT
    e.host AS host, events, sent, deferred, bounced, expired_events,
    delivered_later + bounced_later + expired + pending AS messages,
    delivered_later, bounced_later, expired, pending,
    if(delivered_later + bounced_later + expired = 0, NULL,
       floor(delivered_later / (delivered_later + bounced_later + expired) * 10000 + 0.5) / 10000) AS retry_success_rate
FROM
(
    SELECT host, count() AS events, countIf(status = 'sent') AS sent, countIf(status = 'deferred') AS deferred,
           countIf(status = 'bounced') AS bounced, countIf(status = 'expired') AS expired_events
    FROM bounce_events GROUP BY host
) AS e
LEFT JOIN
(
    SELECT host, sum(s.5) AS delivered_later, sum(s.6) AS bounced_later,
           countIf(s.1 = 1 AND s.3 = 1) AS expired, countIf(s.1 = 1 AND s.3 = 0) AS pending
    FROM bounce_deferral_pairs GROUP BY host
) AS d ON e.host = d.host
ORDER BY host;
