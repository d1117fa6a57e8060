//! One function per operator operation: read the query and document, ask the model, answer a
//! JSON:API document. The contract has validated parameters and bodies before these run, so
//! only the rules a schema cannot express are checked here (409 type/id, 403, 404, 400 query).

use hyper::StatusCode;
use hyper::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Map, Value};

use super::Call;
use super::errors::OperatorError;
use super::jsonapi::{MEDIA_TYPE, Query, QuerySpec, Resource, Writer, select};
use super::model::{Customer, CustomerChanges, IncomingTrunk, OperatorState, TrunkChanges};
use crate::engine::reply::Reply;

type Result = std::result::Result<Reply, OperatorError>;

const TRUNK_FIELDS: &[&str] = &[
    "name",
    "codecs",
    "transport_protocol",
    "domain",
    "destination_field",
    "customer",
];
const CUSTOMER_FIELDS: &[&str] = Customer::ATTRIBUTES;
const TRUNK_FIELDSETS: &[(&str, &[&str])] = &[
    ("incoming_trunks", TRUNK_FIELDS),
    ("customers", CUSTOMER_FIELDS),
];
const CUSTOMER_FIELDSETS: &[(&str, &[&str])] = &[("customers", CUSTOMER_FIELDS)];

const TRUNK_LIST: QuerySpec = QuerySpec {
    primary: "incoming_trunks",
    filters: &["customer.id", "domain", "id"],
    collection: true,
    returns_document: true,
    sortable: IncomingTrunk::SORTABLE,
    includes: &["customer"],
    fieldsets: TRUNK_FIELDSETS,
};
const TRUNK_ONE: QuerySpec = QuerySpec {
    primary: "incoming_trunks",
    filters: &[],
    collection: false,
    returns_document: true,
    sortable: &[],
    includes: &["customer"],
    fieldsets: TRUNK_FIELDSETS,
};
const CUSTOMER_LIST: QuerySpec = QuerySpec {
    primary: "customers",
    filters: &["id", "name", "language"],
    collection: true,
    returns_document: true,
    sortable: Customer::SORTABLE,
    includes: &[],
    fieldsets: CUSTOMER_FIELDSETS,
};
const CUSTOMER_ONE: QuerySpec = QuerySpec {
    primary: "customers",
    filters: &[],
    collection: false,
    returns_document: true,
    sortable: &[],
    includes: &[],
    fieldsets: CUSTOMER_FIELDSETS,
};
/// DELETE takes no query parameters at all.
const NO_QUERY: QuerySpec = QuerySpec {
    primary: "the resource",
    filters: &[],
    collection: false,
    returns_document: false,
    sortable: &[],
    includes: &[],
    fieldsets: &[],
};

fn document(status: StatusCode, body: Value) -> Reply {
    Reply::json_as(status, body, MEDIA_TYPE)
}

/// 204 with no body; the vendor still names its media type.
fn no_content() -> Reply {
    Reply::empty(StatusCode::NO_CONTENT).with_header(CONTENT_TYPE, MEDIA_TYPE)
}

/// `data` of a request document (the contract requires it to be an object).
fn data(body: &Value) -> Map<String, Value> {
    body.get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn attributes(data: &Map<String, Value>) -> Map<String, Value> {
    data.get("attributes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// 409 unless `data.type` is the endpoint's type.
fn check_type(
    data: &Map<String, Value>,
    expected: &'static str,
) -> std::result::Result<(), OperatorError> {
    match data.get("type").and_then(Value::as_str) {
        Some(t) if t == expected => Ok(()),
        other => Err(OperatorError::TypeMismatch {
            expected,
            got: other.unwrap_or("").to_string(),
        }),
    }
}

/// 409 unless `data.id` is the URL's id.
fn check_id(data: &Map<String, Value>, url_id: &str) -> std::result::Result<(), OperatorError> {
    let body_id = data.get("id").and_then(Value::as_str).unwrap_or("");
    if body_id != url_id {
        return Err(OperatorError::IdMismatch {
            url: url_id.into(),
            body: body_id.into(),
        });
    }
    Ok(())
}

/// The customer id named by `data.relationships.customer.data.id`, if sent.
fn customer_linkage(data: &Map<String, Value>) -> Option<&str> {
    data.get("relationships")?
        .get("customer")?
        .get("data")?
        .get("id")?
        .as_str()
}

/// The customers the given trunks belong to, each once, for `included`.
fn included_customers(
    state: &OperatorState,
    w: &Writer<'_>,
    q: &Query,
    trunks: &[&IncomingTrunk],
) -> Vec<Value> {
    if !q.includes("customer") {
        return Vec::new();
    }
    let mut seen: Vec<&str> = Vec::new();
    for t in trunks {
        if !seen.contains(&t.customer_id.as_str()) {
            seen.push(&t.customer_id);
        }
    }
    seen.into_iter()
        .filter_map(|id| state.customer(id).ok())
        .map(|c| w.resource(c))
        .collect()
}

fn trunk_document(
    state: &OperatorState,
    call: &Call<'_>,
    q: &Query,
    trunk: &IncomingTrunk,
) -> Value {
    let w = Writer::new(call, q);
    let included = included_customers(state, &w, q, &[trunk]);
    w.single(w.resource(trunk), included)
}

/// `GET /incoming_trunks`
pub fn list_incoming_trunks(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &TRUNK_LIST)?;
    let (total, page) = select(&state.incoming_trunks, &q);
    let w = Writer::new(call, &q);
    let included = included_customers(state, &w, &q, &page);
    let data = page.iter().map(|t| w.resource(*t)).collect();
    let doc = w.collection(IncomingTrunk::TYPE, call.raw_query, data, included, total);
    Ok(document(StatusCode::OK, doc))
}

/// `POST /incoming_trunks`: 201 with the new trunk and `Location` = `links.self`.
pub fn create_incoming_trunk(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &TRUNK_ONE)?;
    let d = &data(call.body);
    check_type(d, IncomingTrunk::TYPE)?;
    if d.contains_key("id") {
        return Err(OperatorError::ClientGeneratedId {
            ty: IncomingTrunk::TYPE,
        });
    }
    let customer = customer_linkage(d).unwrap_or("").to_string();
    let changes = TrunkChanges::from_attributes(&attributes(d));
    let trunk = state
        .create_trunk(&customer, changes, call.ids, call.settings)?
        .clone();
    let location = Writer::new(call, &q).self_link(IncomingTrunk::TYPE, &trunk.id);
    let doc = trunk_document(state, call, &q, &trunk);
    Ok(document(StatusCode::CREATED, doc).with_header(LOCATION, location))
}

/// `GET /incoming_trunks/{id}`
pub fn get_incoming_trunk(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &TRUNK_ONE)?;
    let trunk = state.trunk(call.param("id"))?;
    Ok(document(
        StatusCode::OK,
        trunk_document(state, call, &q, trunk),
    ))
}

/// `PATCH /incoming_trunks/{id}`: only the attributes given change.
pub fn update_incoming_trunk(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &TRUNK_ONE)?;
    let d = &data(call.body);
    check_type(d, IncomingTrunk::TYPE)?;
    check_id(d, call.param("id"))?;
    let changes = TrunkChanges::from_attributes(&attributes(d));
    let trunk = state
        .update_trunk(call.param("id"), changes, customer_linkage(d))?
        .clone();
    Ok(document(
        StatusCode::OK,
        trunk_document(state, call, &q, &trunk),
    ))
}

/// `DELETE /incoming_trunks/{id}`: 204; the trunk's domain is never handed out again.
pub fn delete_incoming_trunk(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    Query::parse(call.raw_query, &NO_QUERY)?;
    state.delete_trunk(call.param("id"))?;
    Ok(no_content())
}

/// `GET /incoming_trunks/{id}/relationships/customer`: the linkage and its links.
pub fn get_incoming_trunk_customer_relationship(
    state: &mut OperatorState,
    call: &mut Call<'_>,
) -> Result {
    let q = Query::parse(call.raw_query, &NO_QUERY)?;
    let trunk = state.trunk(call.param("id"))?;
    let w = Writer::new(call, &q);
    let doc = serde_json::json!({
        "links": w.relationship_links(IncomingTrunk::TYPE, &trunk.id, "customer"),
        "data": { "type": Customer::TYPE, "id": trunk.customer_id },
    });
    Ok(document(StatusCode::OK, doc))
}

/// `GET /incoming_trunks/{id}/customer`: the customer, as `GET /customers/{id}` answers it.
pub fn get_incoming_trunk_customer(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &CUSTOMER_ONE)?;
    let trunk = state.trunk(call.param("id"))?;
    let customer = state.customer(&trunk.customer_id)?;
    let w = Writer::new(call, &q);
    Ok(document(
        StatusCode::OK,
        w.single(w.resource(customer), Vec::new()),
    ))
}

/// `GET /customers`
pub fn list_customers(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &CUSTOMER_LIST)?;
    let (total, page) = select(&state.customers, &q);
    let w = Writer::new(call, &q);
    let data = page.iter().map(|c| w.resource(*c)).collect();
    let doc = w.collection(Customer::TYPE, call.raw_query, data, Vec::new(), total);
    Ok(document(StatusCode::OK, doc))
}

/// `POST /customers`: the client chooses the id; a taken one answers 409.
pub fn create_customer(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &CUSTOMER_ONE)?;
    let d = &data(call.body);
    check_type(d, Customer::TYPE)?;
    let id = d
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let changes = CustomerChanges::from_attributes(&attributes(d));
    let customer = state.create_customer(&id, changes, call.settings)?;
    let w = Writer::new(call, &q);
    let location = w.self_link(Customer::TYPE, &customer.id);
    let doc = w.single(w.resource(customer), Vec::new());
    Ok(document(StatusCode::CREATED, doc).with_header(LOCATION, location))
}

/// `GET /customers/{id}`
pub fn get_customer(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &CUSTOMER_ONE)?;
    let customer = state.customer(call.param("id"))?;
    let w = Writer::new(call, &q);
    Ok(document(
        StatusCode::OK,
        w.single(w.resource(customer), Vec::new()),
    ))
}

/// `PATCH /customers/{id}`
pub fn update_customer(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    let q = Query::parse(call.raw_query, &CUSTOMER_ONE)?;
    let d = &data(call.body);
    check_type(d, Customer::TYPE)?;
    check_id(d, call.param("id"))?;
    let changes = CustomerChanges::from_attributes(&attributes(d));
    let customer = state.update_customer(call.param("id"), changes)?;
    let w = Writer::new(call, &q);
    Ok(document(
        StatusCode::OK,
        w.single(w.resource(customer), Vec::new()),
    ))
}

/// `DELETE /customers/{id}`: refused (409) while the customer still has incoming trunks.
pub fn delete_customer(state: &mut OperatorState, call: &mut Call<'_>) -> Result {
    Query::parse(call.raw_query, &NO_QUERY)?;
    state.delete_customer(call.param("id"))?;
    Ok(no_content())
}
