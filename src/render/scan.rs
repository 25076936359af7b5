//! The `scan` report as text: tables, deferral metrics, an events-per-hour bar chart, and a
//! line of advice per top code.

use super::text::{Painter, TextOptions};
use crate::scan::Report;
use owo_colors::Style;
use std::io::{self, Write};

const TOP: usize = 15;

pub fn report(out: &mut dyn Write, r: &Report, opts: TextOptions) -> io::Result<()> {
    let p = Painter::new(opts);
    writeln!(out, "{}", p.heading("Summary"))?;
    writeln!(
        out,
        "  {} lines, {} events: {} sent, {} deferred, {} bounced, {} expired",
        r.lines,
        r.events,
        r.by_status.sent,
        r.by_status.deferred,
        r.by_status.bounced,
        r.by_status.expired
    )?;
    writeln!(
        out,
        "  failed attempts by code: {} soft (temporary), {} hard (permanent)",
        r.soft, r.hard
    )?;

    if !r.codes.is_empty() {
        writeln!(out, "\n{}", p.heading("Status codes (failed attempts)"))?;
        let rows = r
            .codes
            .iter()
            .take(TOP)
            .map(|c| {
                vec![
                    p.cell(&c.code),
                    p.cell(c.title.as_deref().unwrap_or("(not in the knowledge base)")),
                    p.cell(c.bounce.as_str()),
                    p.cell(&c.count.to_string()),
                ]
            })
            .collect();
        let t = p.table(&["code", "title", "bounce", "count"], rows);
        writeln!(out, "{t}")?;
    }
    for (heading, rows) in [
        (
            "Recipient domains (failed attempts)",
            r.domains
                .iter()
                .map(|d| (d.domain.as_str(), d.count))
                .collect::<Vec<_>>(),
        ),
        (
            "Remote servers (failed attempts)",
            r.remote_hosts
                .iter()
                .map(|h| (h.host.as_str(), h.count))
                .collect(),
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "\n{}", p.heading(heading))?;
        let rows = rows
            .iter()
            .take(TOP)
            .map(|(name, count)| vec![p.cell(name), p.cell(&count.to_string())])
            .collect();
        let t = p.table(&["name", "count"], rows);
        writeln!(out, "{t}")?;
    }

    if r.greylisted > 0 {
        writeln!(
            out,
            "\n  greylisted (clears on retry, never a block): {}",
            r.greylisted
        )?;
    }

    let d = &r.deferrals;
    writeln!(out, "\n{}", p.heading("Deferrals"))?;
    writeln!(out, "  deferred (message, recipient) pairs: {}", d.messages)?;
    writeln!(
        out,
        "  delivered on a later attempt:        {}",
        d.delivered_later
    )?;
    writeln!(
        out,
        "  bounced after deferral:              {}",
        d.bounced_later
    )?;
    writeln!(out, "  expired in the queue:                {}", d.expired)?;
    writeln!(out, "  still pending at the end of the log: {}", d.pending)?;
    if let Some(rate) = d.retry_success_rate {
        writeln!(
            out,
            "  retry success rate:                  {:.1} %",
            rate * 100.0
        )?;
    }
    let t = &d.time_to_delivery_s;
    if let (Some(med), Some(p90), Some(max)) = (t.median, t.p90, t.max) {
        writeln!(
            out,
            "  first deferral to delivery:          median {}, p90 {}, max {}",
            human(med),
            human(p90),
            human(max)
        )?;
    }

    let by_hour = r.by_hour.unwrap_or([0; 24]);
    if r.hosts.len() > 1 {
        writeln!(out, "\n{}", p.heading("Hosts"))?;
        let rows = r
            .hosts
            .iter()
            .take(TOP)
            .map(|h| {
                vec![
                    p.cell(h.host.as_deref().unwrap_or("(none)")),
                    p.cell(&h.events.to_string()),
                    p.cell(&h.deferrals.messages.to_string()),
                    p.cell(
                        &h.deferrals
                            .retry_success_rate
                            .map_or_else(|| "-".into(), |x| format!("{:.1} %", x * 100.0)),
                    ),
                ]
            })
            .collect();
        let t = p.table(&["host", "events", "deferred pairs", "retry success"], rows);
        writeln!(out, "{t}")?;
    }

    let ir = &r.inbound_rejects;
    if ir.total > 0 {
        writeln!(
            out,
            "\n{}",
            p.heading("Inbound rejects (refused by this server, not delivery attempts)")
        )?;
        writeln!(
            out,
            "  rejected: {}, of which greylisted: {}",
            ir.total, ir.greylisted
        )?;
        let lists: [(&str, Vec<(&str, u64)>); 4] = [
            (
                "code",
                ir.codes
                    .iter()
                    .map(|c| (c.code.as_str(), c.count))
                    .collect(),
            ),
            (
                "reason",
                ir.reasons
                    .iter()
                    .map(|c| (c.reason.as_str(), c.count))
                    .collect(),
            ),
            (
                "client",
                ir.clients
                    .iter()
                    .map(|c| (c.client.as_str(), c.count))
                    .collect(),
            ),
            (
                "recipient domain",
                ir.recipient_domains
                    .iter()
                    .map(|c| (c.domain.as_str(), c.count))
                    .collect(),
            ),
        ];
        for (name, rows) in lists {
            if rows.is_empty() {
                continue;
            }
            let rows = rows
                .iter()
                .take(TOP)
                .map(|(k, n)| vec![p.cell(k), p.cell(&n.to_string())])
                .collect();
            let t = p.table(&[name, "count"], rows);
            writeln!(out, "{t}")?;
        }
    }

    let peak = by_hour.iter().copied().max().unwrap_or(0);
    if peak > 0 {
        writeln!(
            out,
            "\n{}",
            p.heading("Failed attempts by hour (log's clock)")
        )?;
        let room = p.opts.width.saturating_sub(20).max(10);
        for (hour, &n) in by_hour.iter().enumerate() {
            let len = ((n as f64 / peak as f64) * room as f64).round() as usize;
            let bar = "█".repeat(len.max(usize::from(n > 0)));
            writeln!(
                out,
                "  {hour:02}h {} {n}",
                p.paint(&bar, Style::new().yellow())
            )?;
        }
    }

    for t in &r.approximate {
        writeln!(
            out,
            "\n  note: {} met more than {} distinct names; its counts are approximate \
             (Space-Saving), each at most {} too high",
            t.table, t.distinct_limit, t.max_overcount
        )?;
    }

    let advice: Vec<_> = r
        .codes
        .iter()
        .take(5)
        .filter_map(|c| c.advice.as_ref().map(|a| (c, a)))
        .collect();
    if !advice.is_empty() {
        writeln!(out, "\n{}", p.heading("What to do about the top codes"))?;
        for (c, a) in advice {
            writeln!(
                out,
                "{}",
                p.wrap(&format!("{} ({}): {a}", c.code, c.bounce), "  • ", "    ")
            )?;
        }
    }
    Ok(())
}

/// Seconds as `1h 15m`, `4m 30s` or `12s`.
fn human(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        3600..=86399 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}
