//! The printable HTML representation of the governance report: one
//! self-contained page (inline CSS and SVG, no scripts, fonts or URLs),
//! written with maud, which escapes every value it inserts.
use chrono::SecondsFormat;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use peerhub_domain::governance::report::{CopRow, Figures, ReportedStatus, TermsState};
use peerhub_persistence::governance::report::Report;

use super::charts::{Item, Scale, Series, hbars};

/// CoPs per chart, so that each chart fits on an A4 page.
const PER_CHART: usize = 25;

/// The page's stylesheet: a constant (no request data), A4 print rules.
const STYLE: &str = r#"
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1a1a1a; margin: 0 auto; max-width: 186mm; padding: 10mm 0; }
h1 { font-size: 19pt; margin: 0 0 1mm; }
h2 { font-size: 13pt; margin: 8mm 0 2mm; padding-bottom: 1mm; border-bottom: 1.5px solid #1f4e79; break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 1mm; break-after: avoid; }
p.meta { color: #444; margin: 0 0 4mm; }
.summary { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; margin: 0; }
.summary div { border: 1px solid #d0d7e1; border-radius: 2mm; padding: 2mm 3mm; break-inside: avoid; }
.summary dt { font-size: 8.5pt; color: #555; }
.summary dd { margin: 0; font-size: 14pt; font-weight: 600; }
figure { margin: 3mm 0 5mm; break-inside: avoid; }
figcaption { font-size: 8.5pt; color: #444; margin-top: 1mm; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font-family: inherit; fill: #1a1a1a; }
svg.chart .label { font-size: 10.5px; }
svg.chart .value, svg.chart .tick { font-size: 9.5px; fill: #444; }
svg.chart .legend { font-size: 10.5px; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 0 0 5mm; }
caption { caption-side: top; text-align: left; font-weight: 600; font-size: 10pt; padding: 1mm 0 1.5mm; }
th, td { padding: 1mm 1.5mm; border-bottom: 1px solid #e1e5ea; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
tbody td { white-space: nowrap; }
thead th { border-bottom: 1.5px solid #595959; font-weight: 600; }
tfoot td, tfoot th { border-top: 1.5px solid #595959; font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.flag { color: #a32020; font-weight: 600; }
.muted { color: #6b6b6b; }
ul.notes { font-size: 8.5pt; color: #333; padding-left: 5mm; }
@media print { body { padding: 0; max-width: none; } h2 { break-before: auto; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"#;

const HELD: Series = Series {
    name: "Held",
    fill: "#1f4e79",
};
const EXPECTED: Series = Series {
    name: "Expected",
    fill: "#9dbbdc",
};
const RATE: Series = Series {
    name: "Attendance",
    fill: "#2e7d32",
};
const POINTS: Series = Series {
    name: "Points",
    fill: "#1f4e79",
};

fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| v.to_string())
}

fn status(s: ReportedStatus) -> &'static str {
    match s {
        ReportedStatus::Active => "Active",
        ReportedStatus::Archived => "Archived",
    }
}

fn terms(s: TermsState) -> &'static str {
    match s {
        TermsState::Approved => "Approved",
        TermsState::ReviewDue => "Review due",
        TermsState::Overdue => "Review overdue",
        TermsState::None => "None approved",
    }
}

fn yes_no_gap(gap: bool) -> Markup {
    html! { @if gap { span.flag { "Missing" } } @else { "Yes" } }
}

/// The meetings charts: held against expected, [`PER_CHART`] CoPs each.
fn meetings_charts(rows: &[CopRow]) -> Markup {
    let chunks: Vec<&[CopRow]> = rows.chunks(PER_CHART).collect();
    html! {
        @for (i, chunk) in chunks.iter().enumerate() {
            @let first = i * PER_CHART + 1;
            @let last = first + chunk.len() - 1;
            @let items: Vec<Item> = chunk.iter().map(|r| Item {
                label: r.name.clone(),
                values: vec![Some(r.figures.meetings_held as f64), Some(r.figures.meetings_expected as f64)],
                texts: vec![r.figures.meetings_held.to_string(), r.figures.meetings_expected.to_string()],
                fill: None,
            }).collect();
            figure {
                (hbars(&format!("chart-meetings-{}", i + 1), "Meetings held and expected per CoP", &[HELD, EXPECTED], &items, Scale::Count))
                figcaption {
                    "Figure " (i + 1) ". Meetings held (dark) and expected by the cadence (light), CoPs "
                    (first) "–" (last) " of " (rows.len()) "."
                }
            }
        }
    }
}

/// The attendance charts: the rate per CoP.
fn attendance_charts(rows: &[CopRow], figure_base: usize) -> Markup {
    let chunks: Vec<&[CopRow]> = rows.chunks(PER_CHART).collect();
    html! {
        @for (i, chunk) in chunks.iter().enumerate() {
            @let first = i * PER_CHART + 1;
            @let last = first + chunk.len() - 1;
            @let items: Vec<Item> = chunk.iter().map(|r| {
                let rate = r.figures.attendance_rate();
                Item {
                    label: r.name.clone(),
                    values: vec![rate],
                    texts: vec![match rate {
                        Some(_) => format!("{} ({}/{})", pct(rate), r.figures.attendances, r.figures.invitations),
                        None => "no invitations".to_owned(),
                    }],
                    fill: None,
                }
            }).collect();
            figure {
                (hbars(&format!("chart-attendance-{}", i + 1), "Attendance rate per CoP", &[RATE], &items, Scale::Rate))
                figcaption {
                    "Figure " (figure_base + i) ". Attendance rate (present ÷ invited, over held meetings), CoPs "
                    (first) "–" (last) " of " (rows.len()) "."
                }
            }
        }
    }
}

fn triple_a_chart(f: &Figures, figure: usize) -> Markup {
    let item = |label: &str, v: i64, fill: &'static str| Item {
        label: label.to_owned(),
        values: vec![Some(v as f64)],
        texts: vec![v.to_string()],
        fill: Some(fill),
    };
    let items = [
        item("Advise", f.advise, "#1f4e79"),
        item("Assure", f.assure, "#2e7d32"),
        item("Alert", f.alert, "#a32020"),
    ];
    html! {
        figure {
            (hbars("chart-triple-a", "Triple A points by kind", &[POINTS], &items, Scale::Count))
            figcaption {
                "Figure " (figure) ". Triple A points from meetings in the period, by kind. By nature: "
                (f.escalation_points) " escalation, " (f.commendation_points) " commendation."
            }
        }
    }
}

fn summary(r: &Report) -> Markup {
    let t = &r.total;
    let f = &t.figures;
    let card = |label: &str, value: String| {
        html! { div { dt { (label) } dd { (value) } } }
    };
    html! {
        dl.summary {
            (card("CoPs (archived in period)", format!("{} ({})", t.communities, t.archived)))
            (card("Meetings held / expected", format!("{} / {}", f.meetings_held, f.meetings_expected)))
            (card("Attendance rate", pct(f.attendance_rate())))
            (card("Members at period end", f.members_at_end.to_string()))
            (card("Terms of Reference overdue", t.terms.overdue.to_string()))
            (card("CoPs without a chair", t.without_chair.to_string()))
            (card("Open actions (overdue)", format!("{} ({})", f.actions_open, f.actions_overdue)))
            (card("Open escalations (overdue)", format!("{} ({})", f.escalations_open, f.escalations_overdue)))
        }
    }
}

fn tables(r: &Report) -> Markup {
    let t = &r.total;
    let tf = &t.figures;
    html! {
        table {
            caption { "Table 1. Meetings and minutes" }
            thead { tr {
                th scope="col" { "CoP" } th scope="col" { "Status" } th scope="col" { "Expected" }
                th scope="col" { "Held" } th scope="col" { "Cancelled" } th scope="col" { "Attendance" }
                th scope="col" { "Minutes approved" } th scope="col" { "Held, minutes not approved" }
            } }
            tbody { @for row in &r.rows { @let f = &row.figures; tr {
                th scope="row" { (row.name) } td { (status(row.status)) } td { (f.meetings_expected) }
                td { (f.meetings_held) } td { (f.meetings_cancelled) }
                td { (pct(f.attendance_rate())) " " span.muted { "(" (f.attendances) "/" (f.invitations) ")" } }
                td { (f.minutes_approved) } td { (f.held_without_approved_minutes) }
            } } }
            tfoot { tr {
                th scope="row" { "Network total" } td { (t.active) " active" } td { (tf.meetings_expected) }
                td { (tf.meetings_held) } td { (tf.meetings_cancelled) }
                td { (pct(tf.attendance_rate())) " " span.muted { "(" (tf.attendances) "/" (tf.invitations) ")" } }
                td { (tf.minutes_approved) } td { (tf.held_without_approved_minutes) }
            } }
        }
        table {
            caption { "Table 2. Members and applications" }
            thead { tr {
                th scope="col" { "CoP" } th scope="col" { "Members at end" } th scope="col" { "Joined" }
                th scope="col" { "Left" } th scope="col" { "Pending applications" } th scope="col" { "Oldest pending (days)" }
            } }
            tbody { @for row in &r.rows { @let f = &row.figures; tr {
                th scope="row" { (row.name) } td { (f.members_at_end) } td { (f.joiners) } td { (f.leavers) }
                td { (f.pending_applications) } td { (opt(f.oldest_pending_days)) }
            } } }
            tfoot { tr {
                th scope="row" { "Network total" } td { (tf.members_at_end) } td { (tf.joiners) } td { (tf.leavers) }
                td { (tf.pending_applications) } td { (opt(tf.oldest_pending_days)) }
            } }
        }
        table {
            caption { "Table 3. Terms of Reference, core team and actions" }
            thead { tr {
                th scope="col" { "CoP" } th scope="col" { "Terms of Reference" } th scope="col" { "Review due" }
                th scope="col" { "Chair" } th scope="col" { "Secretary" } th scope="col" { "Open actions" }
                th scope="col" { "Overdue actions" }
            } }
            tbody { @for row in &r.rows { @let f = &row.figures; tr {
                th scope="row" { (row.name) }
                td { @if matches!(row.terms, TermsState::Overdue | TermsState::None) { span.flag { (terms(row.terms)) } } @else { (terms(row.terms)) } }
                td { (row.terms_review_due.map_or_else(|| "–".to_owned(), |d| d.to_string())) }
                td { (yes_no_gap(row.no_chair)) } td { (yes_no_gap(row.no_secretary)) }
                td { (f.actions_open) } td { (f.actions_overdue) }
            } } }
            tfoot { tr {
                th scope="row" { "Network total" }
                td { (t.terms.approved) " approved, " (t.terms.review_due) " due, " (t.terms.overdue) " overdue, " (t.terms.none) " none" }
                td { "–" } td { (t.without_chair) " missing" } td { (t.without_secretary) " missing" }
                td { (tf.actions_open) } td { (tf.actions_overdue) }
            } }
        }
        table {
            caption { "Table 4. Triple A feedback and escalations" }
            thead { tr {
                th scope="col" { "CoP" } th scope="col" { "Advise" } th scope="col" { "Assure" } th scope="col" { "Alert" }
                th scope="col" { "Escalation points" } th scope="col" { "Commendations" }
                th scope="col" { "Escalations raised" } th scope="col" { "Open" } th scope="col" { "Overdue" }
            } }
            tbody { @for row in &r.rows { @let f = &row.figures; tr {
                th scope="row" { (row.name) } td { (f.advise) } td { (f.assure) } td { (f.alert) }
                td { (f.escalation_points) } td { (f.commendation_points) }
                td { (f.escalations_raised) } td { (f.escalations_open) } td { (f.escalations_overdue) }
            } } }
            tfoot { tr {
                th scope="row" { "Network total" } td { (tf.advise) } td { (tf.assure) } td { (tf.alert) }
                td { (tf.escalation_points) } td { (tf.commendation_points) }
                td { (tf.escalations_raised) } td { (tf.escalations_open) } td { (tf.escalations_overdue) }
            } }
        }
    }
}

/// The whole page.
pub fn render(r: &Report) -> String {
    let title = format!(
        "Governance report: {}, {} to {}",
        r.network_name, r.period.from, r.period.to
    );
    let generated = r.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let meeting_figures = r.rows.len().div_ceil(PER_CHART);
    let attendance_base = meeting_figures + 1;
    let triple_a_figure = attendance_base + meeting_figures;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "Governance report: " (r.network_name) }
                    p.meta {
                        "Period " time datetime=(r.period.from) { (r.period.from) } " to "
                        time datetime=(r.period.to) { (r.period.to) } " (inclusive, UTC). Generated "
                        time datetime=(generated) { (generated.replace('T', " ").replace('Z', " UTC")) } "."
                    }
                }
                main {
                    section {
                        h2 { "Summary" }
                        (summary(r))
                    }
                    section {
                        h2 { "Meetings held against expected" }
                        @if r.rows.is_empty() { p { "No Communities of Practice in this period." } }
                        (meetings_charts(&r.rows))
                    }
                    section {
                        h2 { "Attendance" }
                        (attendance_charts(&r.rows, attendance_base))
                    }
                    section {
                        h2 { "Triple A feedback" }
                        (triple_a_chart(&r.total.figures, triple_a_figure))
                    }
                    section {
                        h2 { "Figures by Community of Practice" }
                        (tables(r))
                    }
                }
                footer {
                    h2 { "How the figures are counted" }
                    ul.notes {
                        li { "Expected meetings follow each CoP's cadence from the later of its creation and the period's start, up to the period's end, today or its archiving." }
                        li { "Held meetings started in the period, by now, and were not cancelled. Invited: members of the CoP when a held meeting started; present: recorded present, or an unrecorded 'attending' answer." }
                        li { "Members, core team, Terms of Reference, actions and open escalations are read at the period's end (or now, while it runs); pending applications are those pending now." }
                        li { "Terms of Reference are 'review due' within 30 days of their review date; escalations are overdue when open longer than the network's escalation_overdue_days." }
                    }
                }
            }
        }
    }
    .into_string()
}
