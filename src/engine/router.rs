//! The route table: method + path template → operation, built from the contracts. Literal
//! segments win over templates, so `GET /api/providers/export` never reaches
//! `GET /api/providers/{id}`. A trailing slash is a segment of its own (`""`), which keeps
//! `/x/` and `/x` apart as the apio API requires.
//!
//! HTTP asks more of every path than the contracts spell out: `HEAD` is answered by the
//! `GET` operation (the pipeline drops the body), `OPTIONS` by the path's `Allow` list, and a
//! path that a literal route names is that resource only, so `POST /api/providers/export` is
//! a 405 rather than an update of a provider called "export".

use hyper::Method;

use super::call::{Pairs, decode_component};

/// One routable operation.
#[derive(Debug, Clone)]
pub struct Route {
    /// Index of the operation in [`super::contracts::Contracts::operations`].
    pub operation: usize,
    pub method: Method,
    pub template: String,
    /// `(segment index, parameter name)` for every `{name}` segment.
    params: Vec<(usize, String)>,
}

#[derive(Debug, Default)]
struct Node {
    /// Few children per node: a linear scan beats hashing every segment.
    literal: Vec<(String, Node)>,
    param: Option<Box<Node>>,
    /// Routes ending here, by method.
    routes: Vec<usize>,
}

/// The outcome of looking a request up.
#[derive(Debug)]
pub enum RouteLookup<'a> {
    Found {
        route: &'a Route,
        params: Pairs,
    },
    /// The path exists, the method does not; the methods that do.
    MethodNotAllowed {
        allow: Vec<String>,
    },
    NotFound,
    /// `OPTIONS` on a path that exists: the methods it takes (with `HEAD` and `OPTIONS`).
    Options {
        allow: Vec<String>,
    },
}

#[derive(Debug, Default)]
pub struct RouteTable {
    root: Node,
    routes: Vec<Route>,
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

impl RouteTable {
    /// Adds a route; returns the index of an earlier route with the same method and shape.
    pub fn insert(
        &mut self,
        method: Method,
        template: &str,
        operation: usize,
    ) -> Result<(), usize> {
        let mut node = &mut self.root;
        let mut params = Vec::new();
        for (i, seg) in segments(template).enumerate() {
            if seg.starts_with('{') && seg.ends_with('}') {
                params.push((i, seg[1..seg.len() - 1].to_string()));
                node = node.param.get_or_insert_with(Default::default);
            } else {
                let i = match node.literal.iter().position(|(s, _)| s == seg) {
                    Some(i) => i,
                    None => {
                        node.literal.push((seg.to_string(), Node::default()));
                        node.literal.len() - 1
                    }
                };
                node = &mut node.literal[i].1;
            }
        }
        if let Some(&existing) = node
            .routes
            .iter()
            .find(|&&r| self.routes[r].method == method)
        {
            return Err(self.routes[existing].operation);
        }
        node.routes.push(self.routes.len());
        self.routes.push(Route {
            operation,
            method,
            template: template.to_string(),
            params,
        });
        Ok(())
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Finds the operation for `method path` (path without the query string). `HEAD` finds
    /// the `GET` operation unless a contract declares `HEAD` itself.
    pub fn lookup(&self, method: &Method, path: &str) -> RouteLookup<'_> {
        let segs: Vec<&str> = segments(path).collect();
        let mut first_match: Option<&Node> = None;
        let mut found = self.find(&self.root, &segs, method, &mut first_match);
        if found.is_none() && *method == Method::HEAD {
            first_match = None;
            found = self.find(&self.root, &segs, &Method::GET, &mut first_match);
        }
        if let Some(route) = found {
            let params = Pairs(
                route
                    .params
                    .iter()
                    .map(|(i, name)| (name.clone(), decode_component(segs[*i])))
                    .collect(),
            );
            return RouteLookup::Found { route, params };
        }
        match first_match {
            Some(node) => {
                let mut allow: Vec<String> = node
                    .routes
                    .iter()
                    .map(|&r| self.routes[r].method.to_string())
                    .collect();
                if allow.iter().any(|m| m == "GET") && !allow.iter().any(|m| m == "HEAD") {
                    allow.push("HEAD".into());
                }
                if !allow.iter().any(|m| m == "OPTIONS") {
                    allow.push("OPTIONS".into());
                }
                allow.sort();
                if *method == Method::OPTIONS {
                    RouteLookup::Options { allow }
                } else {
                    RouteLookup::MethodNotAllowed { allow }
                }
            }
            None => RouteLookup::NotFound,
        }
    }

    /// Depth-first, literal before parameter; remembers the first node that matched the path
    /// at all, for a 405.
    fn find<'a>(
        &'a self,
        node: &'a Node,
        segs: &[&str],
        method: &Method,
        first_match: &mut Option<&'a Node>,
    ) -> Option<&'a Route> {
        let Some((head, rest)) = segs.split_first() else {
            if node.routes.is_empty() {
                return None;
            }
            first_match.get_or_insert(node);
            return node
                .routes
                .iter()
                .map(|&r| &self.routes[r])
                .find(|r| r.method == *method);
        };
        if let Some((_, child)) = node.literal.iter().find(|(s, _)| s == head) {
            if let Some(r) = self.find(child, rest, method, first_match) {
                return Some(r);
            }
            // The literal route names this very path: another method is a 405, never a
            // template route reading the literal as a parameter.
            if rest.is_empty() && !child.routes.is_empty() {
                return None;
            }
        }
        // A template segment matches any non-empty value.
        if !head.is_empty()
            && let Some(child) = &node.param
        {
            return self.find(child, rest, method, first_match);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        let mut t = RouteTable::default();
        t.insert(Method::GET, "/api/providers", 0).unwrap();
        t.insert(Method::GET, "/api/providers/{id}", 1).unwrap();
        t.insert(Method::POST, "/api/providers/{id}", 2).unwrap();
        t.insert(Method::GET, "/api/providers/export", 3).unwrap();
        t.insert(Method::GET, "/t/{a}/x/", 4).unwrap();
        t
    }

    fn op(t: &RouteTable, m: Method, p: &str) -> Option<usize> {
        match t.lookup(&m, p) {
            RouteLookup::Found { route, .. } => Some(route.operation),
            _ => None,
        }
    }

    #[test]
    fn literal_segments_win_over_templates() {
        let t = table();
        assert_eq!(op(&t, Method::GET, "/api/providers/export"), Some(3));
        assert_eq!(op(&t, Method::GET, "/api/providers/abc"), Some(1));
        // The literal route names the path: another method is a 405, not the template.
        assert!(matches!(
            t.lookup(&Method::POST, "/api/providers/export"),
            RouteLookup::MethodNotAllowed { .. }
        ));
    }

    #[test]
    fn decodes_parameters() {
        let t = table();
        match t.lookup(&Method::GET, "/api/providers/a%20b") {
            RouteLookup::Found { params, .. } => assert_eq!(params.get("id"), Some("a b")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn another_method_is_405_with_allow() {
        let t = table();
        match t.lookup(&Method::DELETE, "/api/providers/abc") {
            RouteLookup::MethodNotAllowed { allow } => {
                assert_eq!(allow, vec!["GET", "HEAD", "OPTIONS", "POST"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn head_finds_get_and_options_lists_the_methods() {
        let t = table();
        assert_eq!(op(&t, Method::HEAD, "/api/providers/abc"), Some(1));
        match t.lookup(&Method::OPTIONS, "/api/providers") {
            RouteLookup::Options { allow } => assert_eq!(allow, vec!["GET", "HEAD", "OPTIONS"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t.lookup(&Method::OPTIONS, "/nowhere"),
            RouteLookup::NotFound
        ));
    }

    #[test]
    fn trailing_slash_is_significant() {
        let t = table();
        assert_eq!(op(&t, Method::GET, "/t/1/x/"), Some(4));
        assert_eq!(op(&t, Method::GET, "/t/1/x"), None);
        assert_eq!(op(&t, Method::GET, "/api/providers/"), None);
    }

    #[test]
    fn duplicate_routes_are_refused() {
        let mut t = table();
        assert_eq!(t.insert(Method::GET, "/api/providers/{other}", 9), Err(1));
    }
}
