//! The text explanation: every section the SPEC names, wrapped to the terminal width, with
//! colour only as an aid (every coloured fact is also written out in words).

use super::sanitize;
use crate::explain::{CodeSource, Finding, Retry};
use crate::kb::model::{Bounce, Stage};
use comfy_table::{ContentArrangement, Table, presets};
use owo_colors::{OwoColorize, Style};
use std::io::{self, Write};

/// How to draw: decided by the caller (the cli module), never here.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub color: bool,
    pub width: usize,
}

pub struct Painter {
    pub opts: TextOptions,
}

impl Painter {
    pub fn new(opts: TextOptions) -> Painter {
        Painter {
            opts: TextOptions {
                width: opts.width.clamp(40, 200),
                ..opts
            },
        }
    }

    pub fn paint(&self, text: &str, style: Style) -> String {
        let text = sanitize(text);
        if self.opts.color {
            text.style(style).to_string()
        } else {
            text.into_owned()
        }
    }

    pub fn heading(&self, text: &str) -> String {
        self.paint(text, Style::new().bold().underline())
    }

    pub fn bounce(&self, bounce: Bounce) -> String {
        let (words, style) = match bounce {
            Bounce::Hard => ("hard bounce (permanent)", Style::new().red().bold()),
            Bounce::Soft => ("soft bounce (temporary)", Style::new().yellow().bold()),
            Bounce::None => ("no bounce (success)", Style::new().green().bold()),
        };
        self.paint(words, style)
    }

    fn code(&self, code: &str) -> String {
        self.paint(code, Style::new().cyan().bold())
    }

    fn dim(&self, text: &str) -> String {
        self.paint(text, Style::new().dimmed())
    }

    /// Wraps `text` to the width, every line indented by `indent`, the first by `first`.
    pub fn wrap(&self, text: &str, first: &str, indent: &str) -> String {
        self.wrap_safe(&sanitize(text), first, indent)
    }

    /// Wraps text that is already safe for the terminal and may hold this painter's styles
    /// (`paint` output): styles are kept, and their escape sequences take up no width.
    fn wrap_safe(&self, text: &str, first: &str, indent: &str) -> String {
        let mut out = String::new();
        let mut line = String::from(first);
        let mut line_len = first.chars().count();
        let mut empty = true;
        for word in text.split_whitespace() {
            let wlen = visible_width(word);
            if !empty && line_len + 1 + wlen > self.opts.width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = String::from(indent);
                line_len = indent.chars().count();
                empty = true;
            }
            if !empty {
                line.push(' ');
                line_len += 1;
            }
            line.push_str(word);
            line_len += wlen;
            empty = false;
        }
        out.push_str(line.trim_end());
        out
    }

    pub fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(self.opts.width as u16);
        if !self.opts.color {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        t
    }
}

/// How many columns `word` takes: its characters, less the SGR escape sequences
/// (`ESC [ ... m`) that `paint` adds.
fn visible_width(word: &str) -> usize {
    let mut width = 0;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}

pub fn findings(out: &mut dyn Write, findings: &[Finding], opts: TextOptions) -> io::Result<()> {
    let p = Painter::new(opts);
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            writeln!(out, "\n{}\n", p.dim(&"─".repeat(p.opts.width.min(80))))?;
        }
        finding(out, f, &p)?;
    }
    Ok(())
}

/// The retry section: what each MTA does by default, what this reason and code add, and when
/// a person should step in.
fn retry(out: &mut dyn Write, p: &Painter, r: &Retry) -> io::Result<()> {
    if r.mta.is_empty() {
        if !r.schedule.is_empty() {
            let sched = format!(
                "Retry schedule: {}; gives up after {}.",
                r.schedule.join(" → "),
                r.gives_up_after
            );
            writeln!(out, "{}", p.wrap(&sched, "  ", "  "))?;
        }
    } else {
        writeln!(
            out,
            "{}",
            p.wrap("How the sending MTA retries, by default:", "  ", "  ")
        )?;
        for m in &r.mta {
            writeln!(
                out,
                "{}",
                p.wrap(&format!("{}: {}.", m.name, m.summary), "  - ", "    ")
            )?;
        }
    }
    for text in [&r.reason_note, &r.note].into_iter().flatten() {
        writeln!(out, "{}", p.wrap(text, "  ", "  "))?;
    }
    if let Some(s) = &r.step_in {
        writeln!(out, "{}", p.wrap(s, "  ", "  "))?;
    }
    Ok(())
}

fn finding(out: &mut dyn Write, f: &Finding, p: &Painter) -> io::Result<()> {
    let code = f
        .code
        .clone()
        .or(f.basic.map(|b| b.to_string()))
        .unwrap_or_default();
    writeln!(
        out,
        "{}  {}",
        p.code(&code),
        p.paint(&f.title, Style::new().bold())
    )?;
    let mut facts = vec![format!("severity {}", f.severity)];
    if let Some(s) = &f.subject {
        facts.push(format!("category: {} (X.{})", s.name, s.code));
    }
    if !f.references.is_empty() {
        facts.push(f.references.join(", "));
    }
    if !f.usual_basic.is_empty() {
        let list: Vec<String> = f.usual_basic.iter().map(u16::to_string).collect();
        facts.push(format!("usually with {}", list.join(", ")));
    }
    // The badge is painted, so it joins the line after the rest has been made safe.
    let line = format!("{} · {}", p.bounce(f.bounce), sanitize(&facts.join(" · ")));
    writeln!(out, "{}", p.wrap_safe(&line, "  ", "  "))?;
    let mut tags = vec![
        format!("reason: {}", f.reason),
        format!("action: {}", f.action),
    ];
    if let Some(m) = f.matched {
        tags.push(format!("match: {m}"));
    }
    if f.code_source == Some(CodeSource::Inferred) {
        tags.push("code inferred from the wording".into());
    }
    writeln!(out, "{}", p.dim(&p.wrap(&tags.join(" · "), "  ", "  ")))?;
    if !f.summary.is_empty() {
        writeln!(out, "\n{}", p.wrap(&f.summary, "", ""))?;
    }

    parsed(out, f, p)?;

    writeln!(out, "\n{}", p.heading("What it means"))?;
    // The provider's own meaning leads (it is the summary above); the registry's follows.
    let provider_leads = f
        .provider
        .as_ref()
        .and_then(|prov| prov.meaning.as_ref().map(|m| (prov, m)));
    if let Some((prov, m)) = provider_leads {
        let lead = if *m == f.summary {
            format!("This is {}'s own meaning for the reply (above).", prov.name)
        } else {
            format!("{} gives this its own meaning: {m}", prov.name)
        };
        writeln!(out, "{}", p.wrap(&lead, "  ", "  "))?;
        writeln!(out)?;
    }
    if let Some(m) = &f.meaning {
        let m = match (provider_leads, &f.code) {
            (Some(_), Some(code)) => format!("What the registry says of {code}: {m}"),
            _ => m.clone(),
        };
        writeln!(out, "{}", p.wrap(&m, "  ", "  "))?;
    }
    if let Some(d) = &f.deprecated {
        writeln!(out, "{}", p.wrap(&format!("Deprecated: {d}"), "  ", "  "))?;
    }
    if let Some(b) = &f.blocklist {
        let mut text = format!("The reply names the blocklist {}. {}", b.name, b.about);
        if let Some(d) = &b.delist {
            text.push_str(&format!(" Check and request removal at {d}"));
        }
        writeln!(out, "\n{}", p.wrap(&text, "  ", "  "))?;
    }

    if f.next.is_some() || f.retry.is_some() || f.outcome.is_some() {
        writeln!(out, "\n{}", p.heading("What happens next"))?;
        if let Some(o) = &f.outcome {
            writeln!(
                out,
                "{}",
                p.wrap(&format!("The reporting MTA says: {o}."), "  ", "  ")
            )?;
        }
        if let Some(n) = &f.next {
            writeln!(out, "{}", p.wrap(n, "  ", "  "))?;
        }
        if let Some(r) = &f.retry {
            retry(out, p, r)?;
        }
    }

    list(out, p, "Common causes", &f.causes)?;
    if !f.fixes.sender.is_empty() || !f.fixes.admin.is_empty() {
        writeln!(out, "\n{}", p.heading("How to fix it"))?;
        for (role, items) in [
            ("As the sender", &f.fixes.sender),
            ("As the receiving system's admin", &f.fixes.admin),
        ] {
            if items.is_empty() {
                continue;
            }
            writeln!(out, "  {}:", p.paint(role, Style::new().bold()))?;
            for item in items {
                writeln!(out, "{}", p.wrap(item, "   • ", "     "))?;
            }
        }
    }

    if let Some(prov) = &f.provider {
        let mut text = format!("{}: {}", prov.name, prov.about);
        if let Some(pm) = &prov.postmaster {
            text.push_str(&format!(" Postmaster information: {pm}"));
        }
        writeln!(out, "\n{}", p.heading("About the provider"))?;
        writeln!(out, "{}", p.wrap(&text, "  ", "  "))?;
    }

    troubleshooting(out, f, p)?;

    if !f.related.is_empty() {
        writeln!(out, "\n{}", p.heading("Related codes"))?;
        for r in &f.related {
            let head = match &r.title {
                Some(t) => format!("{} {}", p.code(&r.code), t),
                None => p.code(&r.code),
            };
            writeln!(out, "  {head}")?;
            if !r.difference.is_empty() {
                writeln!(out, "{}", p.wrap(&r.difference, "      ", "      "))?;
            }
        }
    }
    if !f.warnings.is_empty() {
        writeln!(out, "\n{}", p.heading("Warnings"))?;
        for w in &f.warnings {
            writeln!(
                out,
                "{}",
                p.paint(&p.wrap(w, "  ! ", "    "), Style::new().yellow())
            )?;
        }
    }
    Ok(())
}

fn parsed(out: &mut dyn Write, f: &Finding, p: &Painter) -> io::Result<()> {
    if f.input.kind == "code" || f.input.kind == "basic" {
        return Ok(());
    }
    let mut rows: Vec<(&str, String)> = Vec::new();
    rows.push((
        "input",
        format!("{} on line {}", f.input.kind, f.input.line),
    ));
    if let Some(b) = f.basic {
        rows.push(("basic code", b.to_string()));
    }
    if let Some(c) = &f.code {
        let source = if f.code_source == Some(CodeSource::Inferred) {
            " (inferred)"
        } else {
            ""
        };
        rows.push(("enhanced code", format!("{c}{source}")));
    }
    if let Some(t) = &f.server_text {
        rows.push(("server text", t.clone()));
    }
    if let Some(r) = &f.recipient {
        rows.push(("recipient", r.clone()));
    }
    if let Some(h) = &f.remote_host {
        rows.push(("remote host", h.clone()));
    }
    if let Some(s) = f.stage {
        rows.push(("SMTP stage", stage_label(s).to_string()));
    }
    if let Some(prov) = &f.provider {
        rows.push(("provider", prov.name.clone()));
    }
    if let Some(b) = &f.blocklist {
        rows.push(("blocklist", b.name.clone()));
    }
    writeln!(out, "\n{}", p.heading("Parsed from the input"))?;
    for (label, value) in rows {
        let first = format!("  {label:<14} ");
        writeln!(out, "{}", p.wrap(&value, &first, &" ".repeat(17)))?;
    }
    Ok(())
}

fn list(out: &mut dyn Write, p: &Painter, heading: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", p.heading(heading))?;
    for item in items {
        writeln!(out, "{}", p.wrap(item, "  • ", "    "))?;
    }
    Ok(())
}

fn stage_label(stage: Stage) -> &'static str {
    stage.label()
}

fn troubleshooting(out: &mut dyn Write, f: &Finding, p: &Painter) -> io::Result<()> {
    if f.troubleshooting.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", p.heading("Troubleshooting by SMTP stage"))?;
    let mut t = p.table();
    t.set_header(vec!["stage", "what you see", "likely cause", "next step"]);
    for row in &f.troubleshooting {
        let here = f.stage == Some(row.stage);
        let stage = if here {
            p.paint(
                &format!("▶ {} (this one)", stage_label(row.stage)),
                Style::new().bold().cyan(),
            )
        } else {
            stage_label(row.stage).to_string()
        };
        t.add_row(vec![
            stage,
            sanitize(&row.symptom).into_owned(),
            sanitize(&row.cause).into_owned(),
            sanitize(&row.next_step).into_owned(),
        ]);
    }
    writeln!(out, "{t}")
}

/// A table of codes, for `list` and `search`.
pub fn code_table(
    out: &mut dyn Write,
    rows: &[super::CodeRow],
    opts: TextOptions,
) -> io::Result<()> {
    let p = Painter::new(opts);
    let mut t = p.table();
    t.set_header(vec![
        "code", "title", "bounce", "reason", "action", "provider",
    ]);
    for r in rows {
        t.add_row(vec![
            p.code(&r.code),
            sanitize(&r.title).into_owned(),
            r.bounce.to_string(),
            r.reason.to_string(),
            r.action.to_string(),
            r.provider.clone().unwrap_or_default(),
        ]);
    }
    writeln!(out, "{t}")
}
