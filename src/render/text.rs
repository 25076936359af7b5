//! The text explanation: every section the SPEC names, wrapped to the terminal width, with
//! colour only as an aid (every coloured fact is also written out in words).

use super::sanitize;
use crate::explain::{CodeSource, Finding, RelatedRef, Retry};
use crate::kb::model::Bounce;
use comfy_table::{
    Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets,
};
use owo_colors::{OwoColorize, Style};
use std::io::{self, Write};

/// How to draw: decided by the caller (the cli module), never here.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub color: bool,
    /// The terminal's width (or the caller's default); lines are kept to at most
    /// `MAX_WIDTH` even on a wider terminal.
    pub width: usize,
    /// Every section whole, plus the stored example replies; else each section is cut to
    /// what matters most, so a finding fits on about one screen.
    pub full: bool,
}

/// Longest line drawn, whatever the terminal's width: longer lines are hard to read.
pub const MAX_WIDTH: usize = 100;
/// Narrowest layout drawn: below it, lines are left to the terminal to wrap.
const MIN_WIDTH: usize = 40;

pub struct Painter {
    pub opts: TextOptions,
}

impl Painter {
    pub fn new(opts: TextOptions) -> Painter {
        Painter {
            opts: TextOptions {
                width: opts.width.clamp(MIN_WIDTH, MAX_WIDTH),
                ..opts
            },
        }
    }

    /// Sanitises `text` (input and knowledge-base text alike), then styles it.
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

    /// A table cell holding `text` made safe; any style is comfy-table's, applied after it
    /// wraps the cell, so escape sequences are never cut.
    pub fn cell(&self, text: &str) -> Cell {
        Cell::new(sanitize(text))
    }

    fn code_cell(&self, code: &str) -> Cell {
        self.cell(code)
            .fg(Color::Cyan)
            .add_attribute(Attribute::Bold)
    }

    /// A table of `rows` under `header`, at most the width, whose columns are never
    /// narrower than their longest word, so no word is broken across lines.
    pub fn table(&self, header: &[&str], rows: Vec<Vec<Cell>>) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(self.opts.width as u16);
        if !self.opts.color {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        let longest = longest_words(header, &rows);
        t.set_header(header.iter().map(Cell::new));
        for row in rows {
            t.add_row(row);
        }
        for (i, l) in longest.into_iter().enumerate() {
            if let Some(c) = t.column_mut(i) {
                c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(
                    (l + 2).min(u16::MAX as usize) as u16,
                )));
            }
        }
        t
    }
}

/// Each column's longest word (the header's counts whole): the narrowest that column can
/// be without breaking a word.
fn longest_words(header: &[&str], rows: &[Vec<Cell>]) -> Vec<usize> {
    let mut longest: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let word = cell
                .content()
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            if let Some(l) = longest.get_mut(i) {
                *l = (*l).max(word);
            }
        }
    }
    longest
}

/// The narrowest a table of these columns can be drawn without breaking a word: each
/// column's longest word and its padding, and the borders.
fn narrowest_table(header: &[&str], rows: &[Vec<Cell>]) -> usize {
    let longest = longest_words(header, rows);
    longest.iter().map(|l| l + 3).sum::<usize>() + 1
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

/// The first `n` sentences of `text`: a sentence ends at `. `, `! ` or `? ` before a
/// capital letter or a digit.
fn first_sentences(text: &str, n: usize) -> &str {
    let bytes = text.as_bytes();
    let mut seen = 0;
    for (i, w) in bytes.windows(3).enumerate() {
        if matches!(w[0], b'.' | b'!' | b'?')
            && w[1] == b' '
            && (w[2].is_ascii_uppercase() || w[2].is_ascii_digit())
        {
            seen += 1;
            if seen == n {
                return &text[..=i];
            }
        }
    }
    text
}

/// An item's headline for the short form: the item when short, else its first sentence,
/// cut at its first `: ` or `; ` (outside brackets and quotes) when that is still long.
fn headline(text: &str) -> std::borrow::Cow<'_, str> {
    const SHORT: usize = 120;
    const MIN_HEAD: usize = 25;
    if text.chars().count() <= SHORT {
        return text.into();
    }
    let sentence = first_sentences(text, 1);
    if sentence.chars().count() <= SHORT {
        return sentence.into();
    }
    let mut depth = 0i32;
    let mut quoted = false;
    let bytes = sentence.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'"' => quoted = !quoted,
            b':' | b';'
                if depth == 0 && !quoted && i >= MIN_HEAD && bytes.get(i + 1) == Some(&b' ') =>
            {
                return format!("{}.", &sentence[..i]).into();
            }
            _ => {}
        }
    }
    sentence.into()
}

/// How much of each section the short form keeps.
/// The meaning keeps whole sentences up to about this many characters (at least one).
const BRIEF_MEANING_CHARS: usize = 240;
const BRIEF_BLOCKLIST_SENTENCES: usize = 1;
const BRIEF_CAUSES: usize = 3;
const BRIEF_SENDER_FIXES: usize = 2;
const BRIEF_ADMIN_FIXES: usize = 2;
/// Rows of the detected stage kept; with no stage detected, the first row.
const BRIEF_STAGE_ROWS: usize = 2;
const BRIEF_RELATED: usize = 3;

pub fn findings(out: &mut dyn Write, findings: &[Finding], opts: TextOptions) -> io::Result<()> {
    for (i, f) in findings.iter().enumerate() {
        finding(out, f, i, opts)?;
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
    } else if let Some(m) = r
        .sending_mta
        .as_deref()
        .and_then(|id| r.mta.iter().find(|m| m.id == id))
        .filter(|_| !p.opts.full)
    {
        // The input shows which MTA holds the message: its own default, not everyone's.
        let line = format!(
            "{} retries on its own and by default returns the message after {}.",
            m.name, m.gives_up_after
        );
        writeln!(out, "{}", p.wrap(&line, "  ", "  "))?;
    } else if !p.opts.full {
        // The short form: when each MTA gives up; the schedules and settings are in --full.
        let ends: Vec<String> = r
            .mta
            .iter()
            .map(|m| format!("{} {}", m.name, m.gives_up_after))
            .collect();
        let line = format!(
            "The sending MTA retries, then by default returns the message after: {}.",
            ends.join(", ")
        );
        writeln!(out, "{}", p.wrap(&line, "  ", "  "))?;
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
    if let Some(words) = &r.report_horizon {
        let line = format!("The report says: {}.", super::sanitize(words));
        writeln!(out, "{}", p.wrap(&line, "  ", "  "))?;
    }
    // The short form keeps what is particular to this finding: when to step in only when the
    // code says so itself ("at once: no retry can succeed"); the general advice is in --full.
    let step_in = r.step_in.as_ref().filter(|_| p.opts.full || r.own_step_in);
    // The reason's note is about this finding; the code's note covers every reason the code
    // is given for, so the short form shows it only when the reason has none.
    let code_note = r
        .note
        .as_ref()
        .filter(|_| p.opts.full || r.reason_note.is_none());
    for text in [r.reason_note.as_ref(), code_note]
        .into_iter()
        .flatten()
        .chain(step_in)
    {
        writeln!(out, "{}", p.wrap(&item(p, text), "  ", "  "))?;
    }
    Ok(())
}

/// Renders the finding at `index` (0-based) of a run, after a separator when it is not the
/// first, so the findings of a multi-recipient bounce stay apart.
pub fn finding(
    out: &mut dyn Write,
    f: &Finding,
    index: usize,
    opts: TextOptions,
) -> io::Result<()> {
    let p = Painter::new(opts);
    if index > 0 {
        let label = format!("── finding {} ", index + 1);
        let rest = p.opts.width.saturating_sub(label.chars().count());
        writeln!(
            out,
            "\n{}\n",
            p.dim(&format!("{label}{}", "─".repeat(rest)))
        )?;
    }
    render_finding(out, f, &p)
}

/// `items` whole in the full form, else the first `n`.
fn cut<'a>(p: &Painter, items: &'a [String], n: usize) -> &'a [String] {
    if p.opts.full {
        items
    } else {
        &items[..items.len().min(n)]
    }
}

/// `text` whole in the full form, else its first `n` sentences.
fn brief<'a>(p: &Painter, text: &'a str, n: usize) -> &'a str {
    if p.opts.full {
        text
    } else {
        first_sentences(text, n)
    }
}

/// The meaning whole in the full form, else its first sentences up to
/// `BRIEF_MEANING_CHARS`.
fn brief_meaning<'a>(p: &Painter, text: &'a str) -> &'a str {
    if p.opts.full {
        return text;
    }
    let mut kept = first_sentences(text, 1);
    for n in 2.. {
        let next = first_sentences(text, n);
        if next.len() == kept.len() || next.len() > BRIEF_MEANING_CHARS {
            break;
        }
        kept = next;
    }
    kept
}

/// An item whole in the full form, else its headline.
fn item<'a>(p: &Painter, text: &'a str) -> std::borrow::Cow<'a, str> {
    if p.opts.full {
        text.into()
    } else {
        headline(text)
    }
}

fn render_finding(out: &mut dyn Write, f: &Finding, p: &Painter) -> io::Result<()> {
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
    // The facts line names the short references (RFC 3463); documents with a link, which
    // take lines each, are listed under Sources in the full form.
    let (short_refs, linked_refs): (Vec<&String>, Vec<&String>) =
        f.references.iter().partition(|r| !r.contains("://"));
    if !short_refs.is_empty() {
        let refs: Vec<&str> = short_refs.iter().map(|r| r.as_str()).collect();
        facts.push(refs.join(", "));
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
        let m = brief_meaning(p, m);
        let m = match (provider_leads, &f.code) {
            (Some(_), Some(code)) => format!("What the registry says of {code}: {m}"),
            _ => m.to_string(),
        };
        writeln!(out, "{}", p.wrap(&m, "  ", "  "))?;
    }
    if let Some(d) = &f.deprecated {
        writeln!(out, "{}", p.wrap(&format!("Deprecated: {d}"), "  ", "  "))?;
    }
    if let Some(b) = &f.blocklist {
        let mut text = format!(
            "The reply names the blocklist {}. {}",
            b.name,
            brief(p, &b.about, BRIEF_BLOCKLIST_SENTENCES)
        );
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
        // In the short form the retry line says what the class text would (queued, retried,
        // returned at the end).
        let retry_says_it = !p.opts.full && f.retry.as_ref().is_some_and(|r| !r.mta.is_empty());
        if let Some(n) = f.next.as_ref().filter(|_| !retry_says_it) {
            let n = if p.opts.full { n.into() } else { headline(n) };
            writeln!(out, "{}", p.wrap(&n, "  ", "  "))?;
        }
        if let Some(r) = &f.retry {
            retry(out, p, r)?;
        }
    }

    list(out, p, "Common causes", cut(p, &f.causes, BRIEF_CAUSES))?;
    let sender = cut(p, &f.fixes.sender, BRIEF_SENDER_FIXES);
    let admin = cut(p, &f.fixes.admin, BRIEF_ADMIN_FIXES);
    if !sender.is_empty() || !admin.is_empty() {
        writeln!(out, "\n{}", p.heading("How to fix it"))?;
        for (role, items) in [
            ("As the sender", sender),
            ("As the receiving system's admin", admin),
        ] {
            if items.is_empty() {
                continue;
            }
            writeln!(out, "  {}:", p.paint(role, Style::new().bold()))?;
            for i in items {
                writeln!(out, "{}", p.wrap(&item(p, i), "   • ", "     "))?;
            }
        }
    }

    if p.opts.full
        && let Some(prov) = &f.provider
    {
        let mut text = format!("{}: {}", prov.name, prov.about);
        if let Some(pm) = &prov.postmaster {
            text.push_str(&format!(" Postmaster information: {pm}"));
        }
        writeln!(out, "\n{}", p.heading("About the provider"))?;
        writeln!(out, "{}", p.wrap(&text, "  ", "  "))?;
    }

    let stages = troubleshooting(out, f, p)?;

    if !f.related.is_empty() {
        writeln!(out, "\n{}", p.heading("Related codes"))?;
        for r in cut_related(p, &f.related) {
            let head = match &r.title {
                Some(t) => format!("{} {}", p.code(&r.code), sanitize(t)),
                None => p.code(&r.code),
            };
            writeln!(out, "{}", p.wrap_safe(&head, "  ", "      "))?;
            if p.opts.full && !r.difference.is_empty() {
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
    if p.opts.full && !f.examples.is_empty() {
        writeln!(out, "\n{}", p.heading("Example replies"))?;
        for e in &f.examples {
            writeln!(out, "{}", p.wrap(e, "  • ", "    "))?;
        }
    }
    if p.opts.full && !linked_refs.is_empty() {
        writeln!(out, "\n{}", p.heading("Sources"))?;
        for r in &linked_refs {
            writeln!(out, "{}", p.wrap(r, "  • ", "    "))?;
        }
    }
    if !p.opts.full {
        let more = [
            (
                f.causes.len() - cut(p, &f.causes, BRIEF_CAUSES).len(),
                "cause",
            ),
            (
                f.fixes.sender.len() + f.fixes.admin.len() - sender.len() - admin.len(),
                "fix",
            ),
            (stages, "stage row"),
            (
                f.related.len() - cut_related(p, &f.related).len(),
                "related code",
            ),
        ];
        let mut more: Vec<String> = more
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| match (n, *what) {
                (1, w) => format!("1 {w}"),
                (n, "fix") => format!("{n} fixes"),
                (n, w) => format!("{n} {w}s"),
            })
            .collect();
        if !f.examples.is_empty() {
            more.push(format!("{} examples", f.examples.len()));
        }
        match linked_refs.len() {
            0 => {}
            1 => more.push("1 source".into()),
            n => more.push(format!("{n} sources")),
        }
        let cut_text = f
            .meaning
            .as_deref()
            .is_some_and(|m| brief_meaning(p, m).len() < m.len())
            || f.next
                .as_deref()
                .is_some_and(|n| headline(n).len() < n.len())
            || f.causes
                .iter()
                .chain(&f.fixes.sender)
                .chain(&f.fixes.admin)
                .any(|i| headline(i).len() < i.len())
            || f.retry.as_ref().is_some_and(|r| r.note.is_some())
            || f.related.iter().any(|r| !r.difference.is_empty())
            || f.provider.is_some();
        if !more.is_empty() || cut_text {
            let text = if more.is_empty() {
                "Short form; --full prints every section whole.".to_string()
            } else {
                format!("--full adds {}.", more.join(", "))
            };
            writeln!(out, "\n{}", p.dim(&p.wrap(&text, "", "")))?;
        }
    }
    Ok(())
}

/// The related codes shown: all in the full form, else the first few.
fn cut_related<'a>(p: &Painter, related: &'a [RelatedRef]) -> &'a [RelatedRef] {
    if p.opts.full {
        related
    } else {
        &related[..related.len().min(BRIEF_RELATED)]
    }
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
    match &f.server_text {
        Some(t) => rows.push(("server text", t.clone())),
        // A report with fields and no words: say so, and where the words are.
        None if f.input.kind == "dsn" => rows.push((
            "server text",
            "none: the report gives no reason; the reporting MTA's log has it (search it \
             for the recipient)"
                .to_string(),
        )),
        None => {}
    }
    if let Some(r) = &f.recipient {
        rows.push(("recipient", r.clone()));
    }
    if let Some(h) = &f.remote_host {
        rows.push(("remote host", h.clone()));
    }
    if let Some(s) = f.stage {
        rows.push(("SMTP stage", s.label().to_string()));
    }
    if let Some(prov) = &f.provider {
        rows.push(("provider", prov.name.clone()));
        if let Some(pm) = &prov.postmaster {
            rows.push(("postmaster", pm.clone()));
        }
    }
    if let Some(b) = &f.blocklist {
        rows.push(("blocklist", b.name.clone()));
        if let Some(d) = &b.delist {
            rows.push(("delisting", d.clone()));
        }
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
    for i in items {
        writeln!(out, "{}", p.wrap(&item(p, i), "  • ", "    "))?;
    }
    Ok(())
}

/// The stage table: the detected stage's rows first and marked. The short form keeps the
/// first few rows; returns how many it left out.
fn troubleshooting(out: &mut dyn Write, f: &Finding, p: &Painter) -> io::Result<usize> {
    if f.troubleshooting.is_empty() {
        return Ok(0);
    }
    writeln!(out, "\n{}", p.heading("Troubleshooting by SMTP stage"))?;
    let mut rows: Vec<_> = f.troubleshooting.iter().collect();
    // A stable sort: the detected stage's rows first, the rest in the knowledge base's order.
    rows.sort_by_key(|r| f.stage.is_none() || f.stage != Some(r.stage));
    let detected = f
        .troubleshooting
        .iter()
        .filter(|r| f.stage == Some(r.stage))
        .count();
    let shown = if p.opts.full {
        rows.len()
    } else {
        detected.clamp(1, BRIEF_STAGE_ROWS)
    };
    let cells = rows[..shown]
        .iter()
        .map(|row| {
            let stage = if f.stage == Some(row.stage) {
                p.cell(&format!("▶ {} (this one)", row.stage.label()))
                    .fg(Color::Cyan)
                    .add_attribute(Attribute::Bold)
            } else {
                p.cell(row.stage.label())
            };
            vec![
                stage,
                p.cell(&item(p, &row.symptom)),
                p.cell(&item(p, &row.cause)),
                p.cell(&item(p, &row.next_step)),
            ]
        })
        .collect();
    let t = p.table(
        &["stage", "what you see", "likely cause", "next step"],
        cells,
    );
    writeln!(out, "{t}")?;
    if shown < rows.len() {
        let mut others: Vec<&str> = rows[shown..].iter().map(|r| r.stage.label()).collect();
        others.dedup();
        writeln!(
            out,
            "{}",
            p.dim(&p.wrap(&format!("Also listed: {}.", others.join(", ")), "  ", "  "))
        )?;
    }
    Ok(rows.len() - shown)
}

/// A table of codes, for `list` and `search`. The caller says when there is nothing to
/// show; an empty table is never drawn.
pub fn code_table(
    out: &mut dyn Write,
    rows: &[super::CodeRow],
    opts: TextOptions,
) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let p = Painter::new(opts);
    let provider = |r: &super::CodeRow| p.cell(r.provider.as_deref().unwrap_or_default());
    let header = ["code", "title", "bounce", "reason", "action", "provider"];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                p.code_cell(&r.code),
                p.cell(&r.title),
                p.cell(r.bounce),
                p.cell(r.reason),
                p.cell(r.action),
                provider(r),
            ]
        })
        .collect();
    if narrowest_table(&header, &cells) <= p.opts.width {
        return writeln!(out, "{}", p.table(&header, cells));
    }
    // Too narrow for six columns without breaking words (80 columns is): bounce, reason
    // and action share one cell, a line each.
    let cells = rows
        .iter()
        .map(|r| {
            vec![
                p.code_cell(&r.code),
                p.cell(&r.title),
                p.cell(&format!("{}\n{}\n{}", r.bounce, r.reason, r.action)),
                provider(r),
            ]
        })
        .collect();
    writeln!(
        out,
        "{}",
        p.table(&["code", "title", "verdict", "provider"], cells)
    )
}
