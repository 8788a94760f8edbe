//! Server-rendered SVG charts for the printable report, written with the
//! same template crate as the page (maud escapes every label). Why not
//! plotters: docs/decisions.md ("The governance report"). Charts are
//! horizontal bars, one group per CoP, so long CoP names stay readable on
//! A4.
use maud::{Markup, html};

/// Width of every chart, in SVG units (A4 portrait with margins at 96 dpi).
const WIDTH: f64 = 680.0;
/// Left margin for the CoP names.
const LABEL_W: f64 = 200.0;
/// Where bars start.
const PLOT_X: f64 = LABEL_W + 8.0;
/// Room right of the longest bar for its value.
const VALUE_W: f64 = 70.0;
const PLOT_W: f64 = WIDTH - PLOT_X - VALUE_W;
const BAR_H: f64 = 11.0;
const GROUP_GAP: f64 = 9.0;
const TOP: f64 = 26.0;
const AXIS_H: f64 = 22.0;
/// Longest CoP name drawn in full (in characters); longer ones are cut
/// with "…" (the full name is in the bar's tooltip and in the tables).
const MAX_LABEL: usize = 32;

/// One series of bars (e.g. "held").
pub struct Series {
    pub name: &'static str,
    pub fill: &'static str,
}

/// One group of bars: a label and one value per series (`None`: nothing
/// to draw, the text says why).
pub struct Item {
    pub label: String,
    pub values: Vec<Option<f64>>,
    pub texts: Vec<String>,
    /// Overrides the series' colour (one colour per item charts).
    pub fill: Option<&'static str>,
}

/// How the value axis is scaled and labelled.
#[derive(Clone, Copy)]
pub enum Scale {
    /// Whole numbers from 0 to a round maximum.
    Count,
    /// A rate from 0 to 100 %.
    Rate,
}

fn f1(x: f64) -> String {
    format!("{x:.1}")
}

fn short(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(MAX_LABEL - 1).collect();
        s.push('…');
        s
    }
}

/// A round axis maximum and tick step for counts up to `max`.
fn count_axis(max: f64) -> (f64, f64) {
    let max = max.max(1.0);
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor()).max(1.0);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0);
    ((max / step).ceil() * step, step)
}

/// A horizontal bar chart: `id` names its `<title>` for screen readers.
pub fn hbars(id: &str, title: &str, series: &[Series], items: &[Item], scale: Scale) -> Markup {
    let n = series.len().max(1) as f64;
    let group_h = n * BAR_H + GROUP_GAP;
    let plot_h = group_h * items.len().max(1) as f64;
    let height = TOP + plot_h + AXIS_H;
    let (axis_max, step) = match scale {
        Scale::Rate => (1.0, 0.25),
        Scale::Count => count_axis(
            items
                .iter()
                .flat_map(|i| i.values.iter().flatten().copied())
                .fold(0.0, f64::max),
        ),
    };
    let x_of = |v: f64| PLOT_X + (v.clamp(0.0, axis_max) / axis_max) * PLOT_W;
    let ticks: Vec<f64> = (0..)
        .map(|k| f64::from(k) * step)
        .take_while(|t| *t <= axis_max + step / 1000.0)
        .collect();
    let tick_label = |t: f64| match scale {
        Scale::Rate => format!("{:.0}%", t * 100.0),
        Scale::Count => format!("{t:.0}"),
    };
    let axis_y = TOP + plot_h;
    html! {
        svg class="chart" role="img" aria-labelledby=(id) viewBox=(format!("0 0 {WIDTH} {}", f1(height))) width=(WIDTH) height=(f1(height)) {
            title id=(id) { (title) }
            // Legend (only when there is more than one series).
            @if series.len() > 1 {
                @for (i, s) in series.iter().enumerate() {
                    @let lx = PLOT_X + i as f64 * 130.0;
                    rect x=(f1(lx)) y="6" width="12" height="12" fill=(s.fill) {}
                    text x=(f1(lx + 17.0)) y="16" class="legend" { (s.name) }
                }
            }
            // Grid and axis.
            @for t in &ticks {
                line x1=(f1(x_of(*t))) y1=(f1(TOP - 4.0)) x2=(f1(x_of(*t))) y2=(f1(axis_y)) stroke="#d9d9d9" stroke-width="1" {}
                text x=(f1(x_of(*t))) y=(f1(axis_y + 15.0)) text-anchor="middle" class="tick" { (tick_label(*t)) }
            }
            line x1=(f1(PLOT_X)) y1=(f1(TOP - 4.0)) x2=(f1(PLOT_X)) y2=(f1(axis_y)) stroke="#595959" stroke-width="1" {}
            @for (gi, item) in items.iter().enumerate() {
                @let gy = TOP + gi as f64 * group_h;
                g {
                    title { (item.label) }
                    text x=(f1(LABEL_W)) y=(f1(gy + n * BAR_H / 2.0 + 4.0)) text-anchor="end" class="label" { (short(&item.label)) }
                    @for (si, s) in series.iter().enumerate() {
                        @let y = gy + si as f64 * BAR_H;
                        @let v = item.values.get(si).copied().flatten();
                        @let w = v.map_or(0.0, |v| x_of(v) - PLOT_X);
                        @if w > 0.0 {
                            rect x=(f1(PLOT_X)) y=(f1(y + 1.0)) width=(f1(w)) height=(f1(BAR_H - 2.0)) fill=(item.fill.unwrap_or(s.fill)) {}
                        }
                        text x=(f1(PLOT_X + w + 4.0)) y=(f1(y + BAR_H - 2.0)) class="value" {
                            (item.texts.get(si).map(String::as_str).unwrap_or(""))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_axes_are_round() {
        assert_eq!(count_axis(0.0), (1.0, 1.0));
        assert_eq!(count_axis(3.0), (3.0, 1.0));
        assert_eq!(count_axis(12.0), (15.0, 5.0));
        assert_eq!(count_axis(60.0), (60.0, 20.0));
        assert_eq!(count_axis(1234.0), (1500.0, 500.0));
    }

    #[test]
    fn long_labels_are_cut_and_text_is_escaped() {
        assert_eq!(short("CoP"), "CoP");
        let long = "x".repeat(40);
        assert_eq!(short(&long).chars().count(), MAX_LABEL);
        let svg = hbars(
            "c1",
            "A & B",
            &[Series {
                name: "held",
                fill: "#000",
            }],
            &[Item {
                label: "<script>alert(1)</script>".into(),
                values: vec![Some(2.0)],
                texts: vec!["2".into()],
                fill: None,
            }],
            Scale::Count,
        )
        .into_string();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("A &amp; B"));
        assert!(svg.starts_with("<svg"));
    }
}
