//! The `filter` and `orderby` query languages of the PBX API: an OData-like subset without `$`.
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | func | compare
//! func    := ("startswith" | "endswith" | "contains") "(" field "," literal ")"
//! compare := field ("eq"|"ne"|"gt"|"ge"|"lt"|"le") literal
//! ```

use std::cmp::Ordering;

use serde_json::{Map, Value};

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
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
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
                out.push(Token::Num(
                    text.parse().map_err(|_| format!("bad number {text}"))?,
                ));
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
    Compare(String, CmpOp, Value),
    Func(Func, String, String),
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    fields: &'a [&'a str],
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

    fn literal(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Value::String(s)),
            Some(Token::Num(n)) => Ok(serde_json::Number::from_f64(n)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
            Some(Token::Ident(w)) if w == "true" => Ok(Value::Bool(true)),
            Some(Token::Ident(w)) if w == "false" => Ok(Value::Bool(false)),
            Some(Token::Ident(w)) if w == "null" => Ok(Value::Null),
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

    fn unary(&mut self) -> Result<Filter, String> {
        if self.keyword("not") {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(Token::RParen, "')'")?;
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
            let Value::String(arg) = self.literal()? else {
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
        };
        let f = p.or()?;
        if p.pos < tokens.len() {
            return Err(format!("unexpected input after token {}", p.pos));
        }
        Ok(f)
    }

    pub fn matches(&self, item: &Map<String, Value>) -> bool {
        match self {
            Filter::Or(a, b) => a.matches(item) || b.matches(item),
            Filter::And(a, b) => a.matches(item) && b.matches(item),
            Filter::Not(a) => !a.matches(item),
            Filter::Func(func, field, arg) => {
                let Some(Value::String(v)) = item.get(field) else {
                    return false;
                };
                match func {
                    Func::StartsWith => v.starts_with(arg.as_str()),
                    Func::EndsWith => v.ends_with(arg.as_str()),
                    Func::Contains => v.contains(arg.as_str()),
                }
            }
            Filter::Compare(field, op, lit) => {
                let v = item.get(field).unwrap_or(&Value::Null);
                match op {
                    CmpOp::Eq => loose_eq(v, lit),
                    CmpOp::Ne => !loose_eq(v, lit),
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

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Orders two scalars of the same kind; `None` across kinds. Nulls sort first.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) => Some(Ordering::Less),
        (_, Value::Null) => Some(Ordering::Greater),
        _ => None,
    }
}

/// A parsed `orderby`: `(field, descending)` pairs.
pub fn parse_orderby(text: &str, fields: &[&str]) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    for part in text.split(',') {
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
    use serde_json::json;

    const FIELDS: &[&str] = &["name", "port", "enabled", "brand"];

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
}
