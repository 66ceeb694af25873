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
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

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
    fn fill(&self, c: &mut Context<'_, '_>, wanted: &[bool]) {
        let s = |v: &str| Value::String(Arc::new(v.to_string()));
        let mut wanted = wanted.iter();
        self.each(&mut |name, fact| {
            if wanted.next() != Some(&true) {
                return;
            }
            let value = match fact {
                Fact::Text(v) => s(v),
                Fact::Float(v) => Value::Float(v),
                Fact::Int(v) => Value::Int(v),
                Fact::Bool(v) => Value::Bool(v),
                Fact::Texts(m) => Value::from(m.iter().map(|(k, v)| (k.clone(), s(v))).collect::<HashMap<_, _>>()),
                Fact::Floats(m) => {
                    Value::from(m.iter().map(|(k, v)| (k.clone(), Value::Float(*v))).collect::<HashMap<_, _>>())
                }
            };
            c.add_variable_from_value(name, value);
        });
    }

    /// The facts `wanted` names, written out exactly (floats by their bits, maps in key
    /// order): two contexts with the same key give every rule the same result.
    fn key(&self, wanted: &[bool], out: &mut Vec<u8>) {
        let mut wanted = wanted.iter();
        self.each(&mut |_, fact| {
            if wanted.next() != Some(&true) {
                return;
            }
            match fact {
                Fact::Text(v) => text_key(out, v),
                Fact::Float(v) => out.extend_from_slice(&v.to_bits().to_le_bytes()),
                Fact::Int(v) => out.extend_from_slice(&v.to_le_bytes()),
                Fact::Bool(v) => out.push(u8::from(v)),
                Fact::Texts(m) => m.iter().for_each(|(k, v)| {
                    text_key(out, k);
                    text_key(out, v);
                }),
                Fact::Floats(m) => m.iter().for_each(|(k, v)| {
                    text_key(out, k);
                    out.extend_from_slice(&v.to_bits().to_le_bytes());
                }),
            }
        });
    }

    /// Every field with its name, once and always in this order: the one list that
    /// [`RuleContext::fill`] and [`RuleContext::key`] both read, and that
    /// [`RuleContext::wanted`] marks by position.
    fn each(&self, f: &mut dyn FnMut(&str, Fact<'_>)) {
        f("organisation", Fact::Text(&self.organisation));
        f("sector", Fact::Text(&self.sector));
        f("overall_band", Fact::Text(&self.overall_band));
        f("overall_score", Fact::Float(self.overall_score));
        f("bands", Fact::Texts(&self.bands));
        f("scores", Fact::Floats(&self.scores));
        f("signals_count", Fact::Int(self.signals_count));
        f("strong_signals", Fact::Int(self.strong_signals));
        f("improvement_signals", Fact::Int(self.improvement_signals));
        f("failing_grade", Fact::Bool(self.failing_grade));
        f("grade", Fact::Text(&self.grade));
        f("grade_dropped", Fact::Bool(self.grade_dropped));
        f("months_since_inspection", Fact::Int(self.months_since_inspection));
        f("current_rung", Fact::Text(&self.current_rung));
        f("current_rung_level", Fact::Int(self.current_rung_level));
        f("harm", Fact::Bool(self.harm));
        f("trajectory", Fact::Text(&self.trajectory));
        f("early_signs", Fact::Bool(self.early_signs));
        f("honest_reporting", Fact::Bool(self.honest_reporting));
        f("insularity", Fact::Float(self.insularity));
        f("insularity_band", Fact::Text(&self.insularity_band));
    }

    /// Which fields, by their position in [`RuleContext::each`], `used` names: looked up
    /// once when rules are compiled rather than by name for every organisation.
    fn wanted(used: &BTreeSet<String>) -> Vec<bool> {
        let mut wanted = Vec::new();
        RuleContext::default().each(&mut |name, _| wanted.push(used.contains(name)));
        wanted
    }
}

/// Appends `v` to a memo key, its length first so that no two lists of texts run together.
fn text_key(out: &mut Vec<u8>, v: &str) {
    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
    out.extend_from_slice(v.as_bytes());
}

/// One field of a [`RuleContext`], borrowed.
enum Fact<'a> {
    Text(&'a str),
    Float(f64),
    Int(i64),
    Bool(bool),
    Texts(&'a BTreeMap<String, String>),
    Floats(&'a BTreeMap<String, f64>),
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
    /// The context's fields some rule names, by position (see [`RuleContext::wanted`]):
    /// only these are made for each organisation.
    wanted: Vec<bool>,
    /// The standard library's functions, built once: building them for every
    /// organisation cost more than evaluating the rules (measured at 6,000 organisations).
    base: Context<'static, 'static>,
    /// Which rules held (by position) for each set of facts judged so far, keyed by the
    /// ladder, the day and the facts the rules use (see [`RuleBook::holding`]).
    memo: Mutex<FxHashMap<Vec<u8>, Vec<usize>>>,
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
        RuleContext::default()
            .fill(&mut probe, &RuleContext::wanted(&FIELDS.iter().map(|(f, _)| f.to_string()).collect()));
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
        if errors.is_empty() {
            Ok(RuleBook { rules, wanted: RuleContext::wanted(&used), base: Context::default(), memo: Mutex::default() })
        } else {
            Err(RuleErrors(errors))
        }
    }

    /// The rules of `ladder` in force on `today` that hold for `ctx`, in file order.
    ///
    /// # Errors
    /// A rule that fails or gives a non-boolean for this context.
    pub fn holding(&self, ladder: &str, ctx: &RuleContext, today: time::Date) -> Result<Vec<&TriggerRule>, RuleError> {
        // Rules are pure functions of the facts they name, and most organisations share
        // them with many others (bands, flags, a rung): judged once per distinct set.
        let mut key = Vec::with_capacity(128);
        text_key(&mut key, ladder);
        key.extend_from_slice(&today.to_julian_day().to_le_bytes());
        ctx.key(&self.wanted, &mut key);
        if let Some(held) = self.memo.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(held.iter().map(|&i| &self.rules[i].rule).collect());
        }
        let mut cel = self.base.new_inner_scope();
        ctx.fill(&mut cel, &self.wanted);
        let mut held = Vec::new();
        for (i, c) in self.rules.iter().enumerate() {
            if c.rule.ladder != ladder || !c.rule.validity.contains(today) {
                continue;
            }
            match c.program.execute(&cel) {
                Ok(Value::Bool(true)) => held.push(i),
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
        let out = held.iter().map(|&i| &self.rules[i].rule).collect();
        self.memo.lock().unwrap_or_else(|p| p.into_inner()).insert(key, held);
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
