//! Over 400 lines: about 125 are unit tests; the code is one small grammar and its evaluator.
//! The `filter` and `orderby` query languages of the PBX API: an OData-like subset without `$`.
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | func | compare
//! func    := ("startswith" | "endswith" | "contains") "(" field "," literal ")"
//! compare := field ("eq"|"ne"|"gt"|"ge"|"lt"|"le") literal
//! ```
//!
//! The text comes straight from a query string, so everything it can make the parser do is
//! bounded: its length, its number of tokens and how deep `(` and `not` nest (the parser and
//! the evaluator recurse once per level; unbounded, a few thousand levels overflow the stack
//! and take the whole process down). Past a bound the caller gets a plain error to answer 400.

use std::cmp::Ordering;

/// Longest `filter` accepted, in bytes. Ten clauses of generous length fit easily.
pub const MAX_FILTER_LEN: usize = 4096;
/// Most tokens a `filter` may have; also bounds how long an `and`/`or` chain can be.
pub const MAX_FILTER_TOKENS: usize = 512;
/// Deepest nesting of parentheses and `not` a `filter` may use.
pub const MAX_FILTER_DEPTH: usize = 32;
/// Longest `orderby` accepted, in bytes.
pub const MAX_ORDERBY_LEN: usize = 1024;
/// Most sort keys an `orderby` may list.
pub const MAX_ORDERBY_KEYS: usize = 8;

/// A scalar read from a record, borrowed: evaluating a filter allocates nothing per record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Null,
    Bool(bool),
    /// Every number, as JSON has one number type; integers of up to 53 bits are exact.
    Num(f64),
    Text(&'a str),
}

/// Something `filter` and `orderby` can read fields of by name.
pub trait Record {
    /// The field's value; `Null` when it is blank or not a scalar.
    fn field(&self, name: &str) -> FieldValue<'_>;
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    if s.len() > MAX_FILTER_LEN {
        return Err(format!(
            "the filter is longer than {MAX_FILTER_LEN} characters"
        ));
    }
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if out.len() >= MAX_FILTER_TOKENS {
            return Err(format!(
                "the filter has more than {MAX_FILTER_TOKENS} tokens"
            ));
        }
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Token::LParen);
                i += 1;
            }
            ')' => {
                out.push(Token::RParen);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        // OData escapes a quote by doubling it.
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            lit.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            lit.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(lit));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                // Digits alone can still overflow f64 to infinity: refuse rather than compare.
                let n = text
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| format!("bad number {text}"))?;
                out.push(Token::Num(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character '{other}'")),
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Func {
    StartsWith,
    EndsWith,
    Contains,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(String, CmpOp, Literal),
    Func(Func, String, String),
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
}

impl Literal {
    fn value(&self) -> FieldValue<'_> {
        match self {
            Literal::Null => FieldValue::Null,
            Literal::Bool(b) => FieldValue::Bool(*b),
            Literal::Num(n) => FieldValue::Num(*n),
            Literal::Text(t) => FieldValue::Text(t),
        }
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    fields: &'a [&'a str],
    /// How many `(` and `not` enclose the current position.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Some(Token::Ident(w)) if w.eq_ignore_ascii_case(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: Token, what: &str) -> Result<(), String> {
        match self.next() {
            Some(ref got) if *got == t => Ok(()),
            _ => Err(format!("expected {what}")),
        }
    }

    fn field(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Ident(f)) if self.fields.contains(&f.as_str()) => Ok(f),
            Some(Token::Ident(f)) => Err(format!(
                "unknown field '{f}'; filterable: {}",
                self.fields.join(", ")
            )),
            _ => Err("expected a field name".into()),
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Literal::Text(s)),
            Some(Token::Num(n)) => Ok(Literal::Num(n)),
            Some(Token::Ident(w)) if w == "true" => Ok(Literal::Bool(true)),
            Some(Token::Ident(w)) if w == "false" => Ok(Literal::Bool(false)),
            Some(Token::Ident(w)) if w == "null" => Ok(Literal::Null),
            _ => Err("expected a literal ('text', a number, true, false or null)".into()),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    /// Enters one more level of `(` or `not`, refusing past the limit.
    fn descend(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(format!(
                "the filter nests parentheses and 'not' deeper than {MAX_FILTER_DEPTH} levels"
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.keyword("not") {
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            self.descend()?;
            let inner = self.or()?;
            self.expect(Token::RParen, "')'")?;
            self.depth -= 1;
            return Ok(inner);
        }
        let func = match self.peek() {
            Some(Token::Ident(w)) => match w.to_ascii_lowercase().as_str() {
                "startswith" => Some(Func::StartsWith),
                "endswith" => Some(Func::EndsWith),
                "contains" => Some(Func::Contains),
                _ => None,
            },
            _ => None,
        };
        if let Some(func) = func {
            self.pos += 1;
            self.expect(Token::LParen, "'(' after the function name")?;
            let field = self.field()?;
            self.expect(Token::Comma, "','")?;
            let Literal::Text(arg) = self.literal()? else {
                return Err("string functions take a 'text' argument".into());
            };
            self.expect(Token::RParen, "')'")?;
            return Ok(Filter::Func(func, field, arg));
        }
        let field = self.field()?;
        let op = match self.next() {
            Some(Token::Ident(op)) => match op.to_ascii_lowercase().as_str() {
                "eq" => CmpOp::Eq,
                "ne" => CmpOp::Ne,
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::Ge,
                "lt" => CmpOp::Lt,
                "le" => CmpOp::Le,
                other => return Err(format!("unknown operator '{other}'")),
            },
            _ => return Err(format!("expected an operator after '{field}'")),
        };
        Ok(Filter::Compare(field, op, self.literal()?))
    }
}

impl Filter {
    /// Parses `text`, allowing only `fields`.
    pub fn parse(text: &str, fields: &[&str]) -> Result<Filter, String> {
        let tokens = tokenize(text)?;
        let mut p = Parser {
            tokens: &tokens,
            pos: 0,
            fields,
            depth: 0,
        };
        let f = p.or()?;
        if p.pos < tokens.len() {
            return Err(format!("unexpected input after token {}", p.pos));
        }
        Ok(f)
    }

    /// Every comparison and function call as `(field, literal)`, for a type check against
    /// the fields' kinds: `port eq '5060'` would otherwise silently match nothing.
    pub fn comparisons(&self) -> Vec<(&str, Literal)> {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => {
                let mut v = a.comparisons();
                v.extend(b.comparisons());
                v
            }
            Filter::Not(a) => a.comparisons(),
            Filter::Compare(f, _, l) => vec![(f.as_str(), l.clone())],
            Filter::Func(_, f, arg) => vec![(f.as_str(), Literal::Text(arg.clone()))],
        }
    }

    pub fn matches(&self, item: &impl Record) -> bool {
        match self {
            Filter::Or(a, b) => a.matches(item) || b.matches(item),
            Filter::And(a, b) => a.matches(item) && b.matches(item),
            Filter::Not(a) => !a.matches(item),
            Filter::Func(func, field, arg) => {
                let FieldValue::Text(v) = item.field(field) else {
                    return false;
                };
                match func {
                    Func::StartsWith => v.starts_with(arg.as_str()),
                    Func::EndsWith => v.ends_with(arg.as_str()),
                    Func::Contains => v.contains(arg.as_str()),
                }
            }
            Filter::Compare(field, op, lit) => {
                let (v, lit) = (item.field(field), lit.value());
                match op {
                    CmpOp::Eq => v == lit,
                    CmpOp::Ne => v != lit,
                    _ => match compare(v, lit) {
                        Some(ord) => match op {
                            CmpOp::Gt => ord == Ordering::Greater,
                            CmpOp::Ge => ord != Ordering::Less,
                            CmpOp::Lt => ord == Ordering::Less,
                            _ => ord != Ordering::Greater,
                        },
                        None => false,
                    },
                }
            }
        }
    }
}

/// Orders two scalars of the same kind; `None` across kinds. Nulls sort first.
pub fn compare(a: FieldValue<'_>, b: FieldValue<'_>) -> Option<Ordering> {
    match (a, b) {
        (FieldValue::Num(x), FieldValue::Num(y)) => x.partial_cmp(&y),
        (FieldValue::Text(x), FieldValue::Text(y)) => Some(x.cmp(y)),
        (FieldValue::Bool(x), FieldValue::Bool(y)) => Some(x.cmp(&y)),
        (FieldValue::Null, FieldValue::Null) => Some(Ordering::Equal),
        (FieldValue::Null, _) => Some(Ordering::Less),
        (_, FieldValue::Null) => Some(Ordering::Greater),
        _ => None,
    }
}

/// A parsed `orderby`: `(field, descending)` pairs.
pub fn parse_orderby(text: &str, fields: &[&str]) -> Result<Vec<(String, bool)>, String> {
    if text.len() > MAX_ORDERBY_LEN {
        return Err(format!(
            "the orderby is longer than {MAX_ORDERBY_LEN} characters"
        ));
    }
    let mut out = Vec::new();
    for part in text.split(',') {
        if out.len() >= MAX_ORDERBY_KEYS {
            return Err(format!(
                "the orderby lists more than {MAX_ORDERBY_KEYS} sort keys"
            ));
        }
        let mut words = part.split_whitespace();
        let Some(field) = words.next() else {
            return Err("empty orderby clause".into());
        };
        if !fields.contains(&field) {
            return Err(format!(
                "unknown field '{field}'; sortable: {}",
                fields.join(", ")
            ));
        }
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(format!("'{other}' is not asc or desc")),
        };
        if words.next().is_some() {
            return Err(format!("unexpected words in '{}'", part.trim()));
        }
        out.push((field.to_string(), desc));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    const FIELDS: &[&str] = &["name", "port", "enabled", "brand"];

    /// A JSON object as a record, for writing test items as literals.
    impl Record for Map<String, Value> {
        fn field(&self, name: &str) -> FieldValue<'_> {
            match self.get(name) {
                Some(Value::String(s)) => FieldValue::Text(s),
                Some(Value::Bool(b)) => FieldValue::Bool(*b),
                Some(Value::Number(n)) => n.as_f64().map_or(FieldValue::Null, FieldValue::Num),
                _ => FieldValue::Null,
            }
        }
    }

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = Filter::parse("name eq 'a' or name eq 'b' and port gt 10", FIELDS).unwrap();
        assert!(f.matches(&item(json!({"name": "a", "port": 1}))));
        assert!(!f.matches(&item(json!({"name": "b", "port": 1}))));
        assert!(f.matches(&item(json!({"name": "b", "port": 11}))));
    }

    #[test]
    fn functions_parentheses_and_not() {
        let f = Filter::parse("not (startswith(name,'x') or contains(brand,'y'))", FIELDS).unwrap();
        assert!(f.matches(&item(json!({"name": "ab", "brand": "zz"}))));
        assert!(!f.matches(&item(json!({"name": "xa", "brand": "zz"}))));
        assert!(!f.matches(&item(json!({"name": "ab", "brand": "ayb"}))));
    }

    #[test]
    fn quotes_are_escaped_by_doubling() {
        let f = Filter::parse("name eq 'O''Brien'", FIELDS).unwrap();
        assert!(f.matches(&item(json!({"name": "O'Brien"}))));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(
            Filter::parse("colour eq 'x'", FIELDS)
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(Filter::parse("name eq", FIELDS).is_err());
        assert!(
            Filter::parse("name is 'x'", FIELDS)
                .unwrap_err()
                .contains("operator")
        );
        assert!(Filter::parse("(name eq 'x'", FIELDS).is_err());
    }

    #[test]
    fn orderby_parses_directions() {
        assert_eq!(
            parse_orderby("name asc, port desc", FIELDS).unwrap(),
            vec![("name".into(), false), ("port".into(), true)]
        );
        assert!(parse_orderby("name sideways", FIELDS).is_err());
    }

    #[test]
    fn nesting_is_bounded_by_parentheses_and_not_alike() {
        let nested = |n: usize| format!("{}name eq 'a'{}", "(".repeat(n), ")".repeat(n));
        assert!(Filter::parse(&nested(MAX_FILTER_DEPTH), FIELDS).is_ok());
        let err = Filter::parse(&nested(MAX_FILTER_DEPTH + 1), FIELDS).unwrap_err();
        assert!(err.contains("deeper than 32"), "{err}");
        let nots = |n: usize| format!("{}name eq 'a'", "not ".repeat(n));
        assert!(Filter::parse(&nots(MAX_FILTER_DEPTH), FIELDS).is_ok());
        assert!(Filter::parse(&nots(MAX_FILTER_DEPTH + 1), FIELDS).is_err());
        // Siblings do not add up: depth is how deep, not how many.
        let siblings = vec!["(name eq 'a')"; 40].join(" or ");
        assert!(Filter::parse(&siblings, FIELDS).is_ok());
    }

    #[test]
    fn length_and_token_count_are_bounded() {
        let long = format!("name eq '{}'", "x".repeat(MAX_FILTER_LEN));
        assert!(
            Filter::parse(&long, FIELDS)
                .unwrap_err()
                .contains("longer than")
        );
        let many = vec!["port eq 1"; 200].join(" or ");
        assert!(many.len() < MAX_FILTER_LEN);
        assert!(Filter::parse(&many, FIELDS).unwrap_err().contains("tokens"));
        let huge_number = format!("port eq {}", "9".repeat(400));
        assert!(
            Filter::parse(&huge_number, FIELDS)
                .unwrap_err()
                .contains("bad number")
        );
    }

    #[test]
    fn orderby_keys_and_length_are_bounded() {
        let keys = |n: usize| vec!["name"; n].join(",");
        assert!(parse_orderby(&keys(MAX_ORDERBY_KEYS), FIELDS).is_ok());
        assert!(parse_orderby(&keys(MAX_ORDERBY_KEYS + 1), FIELDS).is_err());
        let long = format!("name{}", " ".repeat(MAX_ORDERBY_LEN));
        assert!(
            parse_orderby(&long, FIELDS)
                .unwrap_err()
                .contains("longer than")
        );
    }

    #[test]
    fn nulls_sort_first_and_kinds_do_not_mix() {
        use FieldValue::*;
        assert_eq!(compare(Null, Num(1.0)), Some(Ordering::Less));
        assert_eq!(compare(Text("a"), Null), Some(Ordering::Greater));
        assert_eq!(compare(Text("1"), Num(1.0)), None);
        let f = Filter::parse("port gt null and brand eq null", FIELDS).unwrap();
        assert!(f.matches(&item(json!({"port": 1}))));
        assert!(!f.matches(&item(json!({"port": 1, "brand": "b"}))));
    }
}
