//! Every input is refused cleanly before it reaches AWS, and the rules are read from the route
//! table (the served OpenAPI document), so that a new route inherits them: every path parameter
//! of a `/v1` route states its rule (a pattern or an enum), and a value that breaks it (NUL,
//! invalid UTF-8, a line break, ten thousand characters) is a `422` naming the parameter; every
//! object of every request body is an object, and the array form serde's derive also reads is a
//! `422` naming it. Neither quotes the value. The session token, which travels in a header, is
//! printable ASCII of at most 16 KiB.

use serde_json::{Value, json};

use crate::helpers::{EXAMPLE_SECRET, FakeAws, FakeIdentity, RequestBody, TestApp};

/// A `422` problem's fields, after checking that its body quotes none of `quoted`.
async fn refused_fields(response: reqwest::Response, quoted: &str) -> Vec<String> {
    let status = response.status().as_u16();
    let media_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    assert_eq!(status, 422, "{text}");
    assert_eq!(media_type, "application/problem+json");
    assert!(
        quoted.is_empty() || !text.contains(quoted),
        "the value is quoted back: {text}"
    );
    let problem: Value = serde_json::from_str(&text).unwrap();
    problem["errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_owned())
        .collect()
}

/// `#/components/schemas/X` of `document`, or `schema` itself.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// The schemas a property may take: itself, or each of its `oneOf`/`anyOf` alternatives.
fn alternatives<'a>(document: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let options: Vec<&Value> = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema[*key].as_array())
        .flatten()
        .collect();
    let options = if options.is_empty() {
        vec![schema]
    } else {
        options
    };
    options
        .into_iter()
        .map(|option| resolve(document, option))
        .collect()
}

fn is_object(schema: &Value) -> bool {
    schema["type"] == "object" || schema["properties"].is_object()
}

/// The paths (`""` for the body, `credentials`, `assume_role`) where `schema` has an object, each
/// with the object's schema.
fn object_paths(document: &Value, schema: &Value, path: &str, found: &mut Vec<(String, Value)>) {
    for schema in alternatives(document, schema) {
        let items = &schema["items"];
        if !items.is_null() {
            assert!(
                !alternatives(document, items).into_iter().any(is_object),
                "{path}: an array of objects; teach this test to build one"
            );
        }
        if !is_object(schema) {
            continue;
        }
        found.push((path.to_owned(), schema.clone()));
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            let nested = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            object_paths(document, property, &nested, found);
        }
    }
}

/// A body the operation accepts: its example, else its required properties' examples.
fn valid_body(document: &Value, schema: &Value) -> Value {
    let schema = resolve(document, schema);
    if !schema["example"].is_null() {
        return schema["example"].clone();
    }
    let mut body = json!({});
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        body[name] = valid_body(document, &schema["properties"][name]);
    }
    assert_ne!(body, json!({}), "no example to build a body from: {schema}");
    body
}

/// An object's values in order: the array serde's derive reads as the struct.
fn values(object: &Value) -> Value {
    Value::Array(object.as_object().unwrap().values().cloned().collect())
}

/// `body` with the object at `path` written as an array of its values; an object the body leaves
/// out is built from its schema's examples (`absent`) first.
fn as_array(body: &Value, path: &str, absent: &Value) -> Value {
    if path.is_empty() {
        return values(body);
    }
    let mut changed = body.clone();
    let (parent, name) = match path.rsplit_once('.') {
        Some((parent, name)) => (format!("/{}", parent.replace('.', "/")), name),
        None => (String::new(), path),
    };
    let parent = changed
        .pointer_mut(&parent)
        .expect("the parent is in the body");
    let object = match &parent[name] {
        Value::Null => absent.clone(),
        present => present.clone(),
    };
    parent[name] = values(&object);
    changed
}

#[tokio::test]
async fn no_object_of_any_request_body_is_read_from_an_array() {
    let app = TestApp::spawn(|_| {}).await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    let mut tried = Vec::new();
    for (route, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let content = &operation["requestBody"]["content"]["application/json"];
            if content.is_null() {
                continue;
            }
            let schema = &content["schema"];
            let body = match content["example"].is_null() {
                true => valid_body(&document, schema),
                false => content["example"].clone(),
            };
            let mut paths = Vec::new();
            object_paths(&document, schema, "", &mut paths);
            for (path, object) in paths {
                let sent = as_array(&body, &path, &valid_body(&document, &object));
                let response = app
                    .client
                    .request(
                        method.to_uppercase().parse().unwrap(),
                        format!("{}{route}", app.base_url),
                    )
                    .json(&sent)
                    .send()
                    .await
                    .unwrap();
                let fields = refused_fields(response, EXAMPLE_SECRET).await;
                assert_eq!(
                    fields,
                    std::slice::from_ref(&path),
                    "{method} {route}: {sent}"
                );
                tried.push(format!("{method} {route} {path}"));
            }
        }
    }
    for expected in [
        "post /v1/diagnoses ",
        "post /v1/diagnoses credentials",
        "post /v1/diagnoses assume_role",
        "post /v1/catalogue/match ",
    ] {
        assert!(
            tried.iter().any(|t| t == expected),
            "{expected} in {tried:#?}"
        );
    }
}

#[tokio::test]
async fn a_path_parameter_that_breaks_its_rule_is_422_naming_it() {
    let app = TestApp::spawn(|_| {}).await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();
    let long = "z".repeat(10_000);
    // Written as they travel in the request target; `quoted` is what must not come back.
    let hostile = [
        ("a%00b", "a\u{0}b"),
        ("a%FFb", "a\u{fffd}b"),
        ("a%0D%0Ab", "a\r\nb"),
        ("a%20b", "a b"),
        (long.as_str(), &long[..100]),
    ];
    let mut tried = 0;
    for (route, item) in document["paths"].as_object().unwrap() {
        if !route.starts_with("/v1/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters.iter().filter(|p| p["in"] == "path") {
                let name = parameter["name"].as_str().unwrap();
                let schema = resolve(&document, &parameter["schema"]);
                assert!(
                    schema["pattern"].is_string() || schema["enum"].is_array(),
                    "{method} {route}: {{{name}}} states no rule (pattern or enum)"
                );
                assert!(
                    operation["responses"]["422"].is_object(),
                    "{method} {route}: the 422 is not documented"
                );
                for (written, quoted) in &hostile {
                    let target = route.replace(&format!("{{{name}}}"), written);
                    let response = app
                        .client
                        .request(
                            method.to_uppercase().parse().unwrap(),
                            format!("{}{target}", app.base_url),
                        )
                        .send()
                        .await
                        .unwrap();
                    let fields = refused_fields(response, quoted).await;
                    assert_eq!(fields, [name], "{method} {target}");
                    tried += 1;
                }
            }
        }
    }
    assert!(tried >= 15, "three routes with a path parameter: {tried}");
}

#[tokio::test]
async fn a_session_token_is_printable_ascii_of_at_most_16_kib() {
    let fake = FakeAws::identifying(FakeIdentity::user()).await;
    let url = fake.url();
    let app = TestApp::spawn(move |settings| settings.aws.aws_endpoint_url = Some(url)).await;
    let token = |text: &str| RequestBody::new().session_token(text).build();
    for bad in [
        "FwoGZXIvYXdzEBY\r\nX-Injected: 1",
        "FwoGZXIvYXdzEBY\nrest",
        "FwoGZXIvYXdzEBY\0rest",
        "FwoGZXIvYXdzEBY\trest",
        "FwoGZXIvYXdzEBYé",
        &"F".repeat(16 * 1024 + 1),
    ] {
        let fields = refused_fields(app.diagnose(&token(bad)).await, "FwoGZXIvYXdzEBY").await;
        let start: String = bad.chars().take(20).collect();
        assert_eq!(fields, ["credentials.session_token"], "{start:?}");
    }
    assert_eq!(
        fake.calls_of("GetCallerIdentity").await,
        0,
        "none reached AWS"
    );
    let longest = app.diagnose(&token(&"F".repeat(16 * 1024))).await;
    assert_eq!(
        longest.status(),
        200,
        "16 KiB of printable ASCII is a token"
    );
}
