//! Trigger rules: CEL expressions in the regime over a small, documented context.
//!
//! Rules are compiled once, when the regime is loaded. A rule that does not parse, names
//! a field the context does not have (`bands.finance`, `overall_bnd`), or fails on a
//! probe context is refused then, with the line of its expression, so a typo cannot
//! silently keep a rule from ever firing.

use crate::error::{RuleError, RuleErrors};
use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::{Context, Program, Value};
use failwell_domain::FailureType;
use failwell_domain::regime::{Regime, TriggerRule};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The fields a trigger rule may use, with what they mean (also in `docs/engine.md`).
pub const FIELDS: &[(&str, &str)] = &[
    ("organisation", "string: the organisation's code"),
    ("sector", "string: the sector whose ladder applies"),
    ("overall_band", "string: low, moderate, high or severe (the worst failure type)"),
    ("overall_score", "double: the highest failure-type score"),
    ("bands", "map: failure type code -> band, e.g. bands.performance == 'high'"),
    ("scores", "map: failure type code -> score"),
    ("signals_count", "int: concern signals counted towards risk"),
    ("strong_signals", "int: strong concern signals counted towards risk"),
    ("improvement_signals", "int: signals of improvement"),
    ("failing_grade", "bool: the latest inspection grade counts as failure"),
    ("grade", "string: the latest inspection grade code, '' if none"),
    ("grade_dropped", "bool: the latest grade is worse than the previous comparable one"),
    ("months_since_inspection", "int: months since the latest judgement was published, -1 if none"),
    ("current_rung", "string: id of the rung the organisation stands on"),
    ("current_rung_level", "int: its level (0 = universal monitoring)"),
    ("harm", "bool: harm to service users made public recently (a serious incident)"),
    ("trajectory", "string: improving, stable or deteriorating"),
    ("early_signs", "bool: concern signals but no failing grade and no designation in force"),
    ("honest_reporting", "bool: some rise in reporting is read as probable honest reporting"),
    ("insularity", "double: the insularity index in [0, 1] (0 when not measured)"),
    ("insularity_band", "string: low, moderate, high, or not_measured"),
];

/// The facts one organisation's trigger rules are evaluated against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleContext {
    /// See [`FIELDS`].
    pub organisation: String,
    /// See [`FIELDS`].
    pub sector: String,
    /// See [`FIELDS`].
    pub overall_band: String,
    /// See [`FIELDS`].
    pub overall_score: f64,
    /// See [`FIELDS`].
    pub bands: BTreeMap<String, String>,
    /// See [`FIELDS`].
    pub scores: BTreeMap<String, f64>,
    /// See [`FIELDS`].
    pub signals_count: i64,
    /// See [`FIELDS`].
    pub strong_signals: i64,
    /// See [`FIELDS`].
    pub improvement_signals: i64,
    /// See [`FIELDS`].
    pub failing_grade: bool,
    /// See [`FIELDS`].
    pub grade: String,
    /// See [`FIELDS`].
    pub grade_dropped: bool,
    /// See [`FIELDS`].
    pub months_since_inspection: i64,
    /// See [`FIELDS`].
    pub current_rung: String,
    /// See [`FIELDS`].
    pub current_rung_level: i64,
    /// See [`FIELDS`].
    pub harm: bool,
    /// See [`FIELDS`].
    pub trajectory: String,
    /// See [`FIELDS`].
    pub early_signs: bool,
    /// See [`FIELDS`].
    pub honest_reporting: bool,
    /// See [`FIELDS`].
    pub insularity: f64,
    /// See [`FIELDS`].
    pub insularity_band: String,
}

impl Default for RuleContext {
    /// A quiet organisation: used as the probe when rules are compiled.
    fn default() -> Self {
        let bands = FailureType::ALL.iter().map(|t| (t.code().to_string(), "low".to_string())).collect();
        let scores = FailureType::ALL.iter().map(|t| (t.code().to_string(), 0.0)).collect();
        RuleContext {
            organisation: String::new(),
            sector: String::new(),
            overall_band: "low".into(),
            overall_score: 0.0,
            bands,
            scores,
            signals_count: 0,
            strong_signals: 0,
            improvement_signals: 0,
            failing_grade: false,
            grade: String::new(),
            grade_dropped: false,
            months_since_inspection: -1,
            current_rung: "universal_monitoring".into(),
            current_rung_level: 0,
            harm: false,
            trajectory: "stable".into(),
            early_signs: false,
            honest_reporting: false,
            insularity: 0.0,
            insularity_band: "not_measured".into(),
        }
    }
}

impl RuleContext {
    /// Adds the facts `wanted` names as variables to `c` (an inner scope of the book's
    /// base context). Only the fields the rules use are made: making all of them for each
    /// of 6,000 organisations cost more than evaluating the rules.
    fn fill(&self, c: &mut Context<'_, '_>, wanted: impl Fn(&str) -> bool) {
        let mut add = |name: &str, value: &dyn Fn() -> Value| {
            if wanted(name) {
                c.add_variable_from_value(name, value());
            }
        };
        let s = |v: &str| Value::String(Arc::new(v.to_string()));
        add("organisation", &|| s(&self.organisation));
        add("sector", &|| s(&self.sector));
        add("overall_band", &|| s(&self.overall_band));
        add("overall_score", &|| Value::Float(self.overall_score));
        add("bands", &|| {
            let bands: HashMap<String, Value> = self.bands.iter().map(|(k, v)| (k.clone(), s(v))).collect();
            Value::from(bands)
        });
        add("scores", &|| {
            let scores: HashMap<String, Value> =
                self.scores.iter().map(|(k, v)| (k.clone(), Value::Float(*v))).collect();
            Value::from(scores)
        });
        add("signals_count", &|| Value::Int(self.signals_count));
        add("strong_signals", &|| Value::Int(self.strong_signals));
        add("improvement_signals", &|| Value::Int(self.improvement_signals));
        add("failing_grade", &|| Value::Bool(self.failing_grade));
        add("grade", &|| s(&self.grade));
        add("grade_dropped", &|| Value::Bool(self.grade_dropped));
        add("months_since_inspection", &|| Value::Int(self.months_since_inspection));
        add("current_rung", &|| s(&self.current_rung));
        add("current_rung_level", &|| Value::Int(self.current_rung_level));
        add("harm", &|| Value::Bool(self.harm));
        add("trajectory", &|| s(&self.trajectory));
        add("early_signs", &|| Value::Bool(self.early_signs));
        add("honest_reporting", &|| Value::Bool(self.honest_reporting));
        add("insularity", &|| Value::Float(self.insularity));
        add("insularity_band", &|| s(&self.insularity_band));
    }
}

/// One compiled rule.
#[derive(Debug)]
pub struct CompiledRule {
    /// The rule as the regime states it.
    pub rule: TriggerRule,
    program: Program,
}

/// Every trigger rule of a regime, compiled.
pub struct RuleBook {
    rules: Vec<CompiledRule>,
    /// The context's fields some rule names: only these are made for each organisation.
    used: BTreeSet<String>,
    /// The standard library's functions, built once: building them for every
    /// organisation cost more than evaluating the rules (measured at 6,000 organisations).
    base: Context<'static, 'static>,
}

impl std::fmt::Debug for RuleBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleBook").field("rules", &self.rules).finish_non_exhaustive()
    }
}

/// Names an expression uses that the context does not have.
fn unknown_names(expr: &IdedExpr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    let maps = ["bands", "scores"];
    match &expr.expr {
        Expr::Ident(name) => {
            if !name.starts_with('@') && !bound.contains(name) && !FIELDS.iter().any(|(f, _)| f == name) {
                out.push(name.clone());
            }
        }
        Expr::Select(sel) => {
            if let Expr::Ident(name) = &sel.operand.expr
                && maps.contains(&name.as_str())
                && !bound.contains(name)
                && sel.field.parse::<FailureType>().is_err()
            {
                out.push(format!("{name}.{}", sel.field));
            }
            unknown_names(&sel.operand, bound, out);
        }
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                unknown_names(t, bound, out);
            }
            for a in &call.args {
                unknown_names(a, bound, out);
            }
        }
        Expr::Comprehension(c) => {
            unknown_names(&c.iter_range, bound, out);
            unknown_names(&c.accu_init, bound, out);
            let n = bound.len();
            bound.push(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                bound.push(v.clone());
            }
            bound.push(c.accu_var.clone());
            unknown_names(&c.loop_cond, bound, out);
            unknown_names(&c.loop_step, bound, out);
            unknown_names(&c.result, bound, out);
            bound.truncate(n);
        }
        Expr::List(l) => l.elements.iter().for_each(|e| unknown_names(e, bound, out)),
        Expr::Map(m) => {
            for e in &m.entries {
                match &e.expr {
                    EntryExpr::StructField(f) => unknown_names(&f.value, bound, out),
                    EntryExpr::MapEntry(me) => {
                        unknown_names(&me.key, bound, out);
                        unknown_names(&me.value, bound, out);
                    }
                }
            }
        }
        Expr::Struct(s) => {
            for e in &s.entries {
                if let EntryExpr::StructField(f) = &e.expr {
                    unknown_names(&f.value, bound, out);
                }
            }
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl RuleBook {
    /// Compiles every trigger rule of `regime`. `source` is the regime's TOML text, used
    /// only to place errors; pass `None` when it is not at hand (errors then say line 0).
    ///
    /// # Errors
    /// [`RuleErrors`] naming every rule that does not parse, names an unknown field, or
    /// does not give a boolean on a quiet organisation.
    pub fn compile(regime: &Regime, source: Option<&str>) -> Result<RuleBook, RuleErrors> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let base = Context::default();
        let mut probe = base.new_inner_scope();
        RuleContext::default().fill(&mut probe, |_| true);
        for rule in &regime.trigger_rules {
            let (line, column) = source.map_or((0, 0), |s| line_col(s, rule.expression_offset()));
            let mut fail = |message: String| {
                errors.push(RuleError { rule: rule.id.clone(), line, column, message });
            };
            let program = match Program::compile(&rule.expression) {
                Ok(p) => p,
                Err(e) => {
                    fail(format!("trigger rule {:?}: expression does not parse: {e}", rule.id));
                    continue;
                }
            };
            let mut unknown = Vec::new();
            unknown_names(program.expression(), &mut Vec::new(), &mut unknown);
            unknown.sort();
            unknown.dedup();
            if !unknown.is_empty() {
                fail(format!(
                    "trigger rule {:?}: unknown field {} (fields: {})",
                    rule.id,
                    unknown.iter().map(|u| format!("{u:?}")).collect::<Vec<_>>().join(", "),
                    FIELDS.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
                ));
                continue;
            }
            match program.execute(&probe) {
                Ok(Value::Bool(_)) => {}
                Ok(other) => {
                    fail(format!("trigger rule {:?}: expression gives {other:?}, not true or false", rule.id));
                    continue;
                }
                Err(e) => {
                    fail(format!("trigger rule {:?}: expression fails on a quiet organisation: {e}", rule.id));
                    continue;
                }
            }
            rules.push(CompiledRule { rule: rule.clone(), program });
        }
        // Every name a rule refers to (comprehension variables too, harmlessly).
        let used = rules
            .iter()
            .flat_map(|r| r.program.references().variables().into_iter().map(str::to_string).collect::<Vec<_>>())
            .collect();
        if errors.is_empty() { Ok(RuleBook { rules, used, base: Context::default() }) } else { Err(RuleErrors(errors)) }
    }

    /// The rules of `ladder` in force on `today` that hold for `ctx`, in file order.
    ///
    /// # Errors
    /// A rule that fails or gives a non-boolean for this context.
    pub fn holding(&self, ladder: &str, ctx: &RuleContext, today: time::Date) -> Result<Vec<&TriggerRule>, RuleError> {
        let mut cel = self.base.new_inner_scope();
        ctx.fill(&mut cel, |name| self.used.contains(name));
        let mut out = Vec::new();
        for c in self.rules.iter().filter(|c| c.rule.ladder == ladder && c.rule.validity.contains(today)) {
            match c.program.execute(&cel) {
                Ok(Value::Bool(true)) => out.push(&c.rule),
                Ok(Value::Bool(false)) => {}
                Ok(other) => {
                    return Err(RuleError {
                        rule: c.rule.id.clone(),
                        line: 0,
                        column: 0,
                        message: format!("gives {other:?} for {}, not true or false", ctx.organisation),
                    });
                }
                Err(e) => {
                    return Err(RuleError {
                        rule: c.rule.id.clone(),
                        line: 0,
                        column: 0,
                        message: format!("fails for {}: {e}", ctx.organisation),
                    });
                }
            }
        }
        Ok(out)
    }

    /// How many rules were compiled.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when the regime has no trigger rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
