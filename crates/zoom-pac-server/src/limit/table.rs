//! The limits per plan and label, with Zoom's numbers as defaults and overrides from
//! `--rate-limit` rules.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use super::{Window, WindowKind};
use crate::store::Plan;

/// Zoom's rate-limit label of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Light,
    Medium,
    Heavy,
}

impl Label {
    /// All labels.
    pub const ALL: [Label; 3] = [Label::Light, Label::Medium, Label::Heavy];

    /// Returns the value of the `X-RateLimit-Category` header.
    pub fn header_value(self) -> &'static str {
        match self {
            Label::Light => "Light",
            Label::Medium => "Medium",
            Label::Heavy => "Heavy",
        }
    }

    fn rule_name(self) -> &'static str {
        match self {
            Label::Light => "light",
            Label::Medium => "medium",
            Label::Heavy => "heavy",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_value())
    }
}

/// The windows for every plan and label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitTable {
    rules: HashMap<(Plan, Label), Vec<Window>>,
}

impl Default for LimitTable {
    /// Returns Zoom's published limits: per second on every plan, and daily on the Free plan
    /// (Light 4/s and 6,000/day, Medium 2/s and 2,000/day, Heavy 1/s and 1,000/day; Pro
    /// 30/20/10 per second; Business and above 80/60/40 per second).
    fn default() -> Self {
        let mut rules = HashMap::new();
        for plan in Plan::ALL {
            for label in Label::ALL {
                let per_second = match (plan, label) {
                    (Plan::Free, Label::Light) => 4,
                    (Plan::Free, Label::Medium) => 2,
                    (Plan::Free, Label::Heavy) => 1,
                    (Plan::Pro, Label::Light) => 30,
                    (Plan::Pro, Label::Medium) => 20,
                    (Plan::Pro, Label::Heavy) => 10,
                    (_, Label::Light) => 80,
                    (_, Label::Medium) => 60,
                    (_, Label::Heavy) => 40,
                };
                let mut windows = vec![Window {
                    kind: WindowKind::PerSecond,
                    limit: per_second,
                }];
                if plan == Plan::Free {
                    let daily = match label {
                        Label::Light => 6_000,
                        Label::Medium => 2_000,
                        Label::Heavy => 1_000,
                    };
                    windows.push(Window {
                        kind: WindowKind::Daily,
                        limit: daily,
                    });
                }
                rules.insert((plan, label), windows);
            }
        }
        Self { rules }
    }
}

/// The error returned when a `--rate-limit` rule does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate-limit rule {rule:?}: {reason}; expected PLAN.LABEL.WINDOW=N, such as business.light.qps=500 or free.light.daily=off, where PLAN may be `all`"
)]
pub struct ParseRuleError {
    rule: String,
    reason: String,
}

impl LimitTable {
    /// Returns a table without any limit.
    pub fn unlimited() -> Self {
        let mut rules = HashMap::new();
        for plan in Plan::ALL {
            for label in Label::ALL {
                rules.insert((plan, label), Vec::new());
            }
        }
        Self { rules }
    }

    /// Returns the windows for a plan and label, empty when nothing limits them.
    pub fn windows(&self, plan: Plan, label: Label) -> &[Window] {
        self.rules.get(&(plan, label)).map_or(&[], Vec::as_slice)
    }

    /// Applies one rule of the form `PLAN.LABEL.WINDOW=N`, where `PLAN` is a plan name or
    /// `all`, `LABEL` is `light`, `medium` or `heavy`, `WINDOW` is `qps` or `daily`, and `N`
    /// is a count or `off` to remove that window.
    pub fn apply_rule(&mut self, rule: &str) -> Result<(), ParseRuleError> {
        let fail = |reason: &str| ParseRuleError {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
        };
        let (target, value) = rule.split_once('=').ok_or_else(|| fail("missing '='"))?;
        let mut parts = target.trim().split('.');
        let (Some(plan), Some(label), Some(window), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("expected three dot-separated names before '='"));
        };
        let plans: Vec<Plan> = if plan == "all" {
            Plan::ALL.to_vec()
        } else {
            vec![Plan::from_str(plan).map_err(|_| fail("unknown plan"))?]
        };
        let label = Label::ALL
            .into_iter()
            .find(|l| l.rule_name() == label)
            .ok_or_else(|| fail("unknown label"))?;
        let kind = match window {
            "qps" => WindowKind::PerSecond,
            "daily" => WindowKind::Daily,
            _ => return Err(fail("unknown window")),
        };
        let limit = match value.trim() {
            "off" => None,
            number => Some(
                number
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| fail("the limit must be a positive integer or `off`"))?,
            ),
        };
        for plan in plans {
            let windows = self.rules.entry((plan, label)).or_default();
            windows.retain(|w| w.kind != kind);
            if let Some(limit) = limit {
                windows.push(Window { kind, limit });
            }
            windows.sort_by_key(|w| w.kind == WindowKind::Daily);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_zoom_table() {
        let table = LimitTable::default();
        let free = table.windows(Plan::Free, Label::Light);
        assert_eq!(free.len(), 2);
        assert_eq!(free[0].limit, 4);
        assert_eq!(free[1].limit, 6_000);
        assert_eq!(table.windows(Plan::Pro, Label::Light)[0].limit, 30);
        assert_eq!(table.windows(Plan::Business, Label::Light)[0].limit, 80);
        assert_eq!(table.windows(Plan::Enterprise, Label::Medium)[0].limit, 60);
        assert_eq!(table.windows(Plan::Business, Label::Light).len(), 1);
    }

    #[test]
    fn rules_override_and_remove_windows() {
        let mut table = LimitTable::default();
        table.apply_rule("business.light.qps=500").unwrap();
        assert_eq!(table.windows(Plan::Business, Label::Light)[0].limit, 500);
        table.apply_rule("all.light.daily=off").unwrap();
        assert_eq!(table.windows(Plan::Free, Label::Light).len(), 1);
        table.apply_rule("pro.medium.daily=10").unwrap();
        assert_eq!(table.windows(Plan::Pro, Label::Medium).len(), 2);
    }

    #[test]
    fn malformed_rules_are_rejected() {
        let mut table = LimitTable::default();
        for rule in [
            "",
            "business.light.qps",
            "gold.light.qps=1",
            "business.tiny.qps=1",
            "business.light.hourly=1",
            "business.light.qps=0",
            "business.light.qps=-1",
            "a.b.c.d=1",
        ] {
            assert!(table.apply_rule(rule).is_err(), "{rule}");
        }
    }
}
