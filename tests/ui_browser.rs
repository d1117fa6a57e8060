//! The dashboard in a real browser: headless Chromium driven over WebDriver
//! (`tests/common/webdriver.rs`) against a server started in-process. Ignored by a plain
//! `cargo test` because it needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs
//! them and runs `cargo test --test ui_browser -- --ignored`. Screenshots of the main views
//! land in `target/ui-screenshots/`.

mod common;

use std::path::PathBuf;

use common::TestServer;
use common::webdriver::{Browser, ENTER, ESCAPE};
use reqwest::Method;
use serde_json::{Value, json};

const FUSION_TGS: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1/trunkgroups";

fn shot(name: &str) -> PathBuf {
    common::repo().join("target/ui-screenshots").join(name)
}

/// Console messages that are errors (the page must log none).
fn errors(console: &[String]) -> Vec<&String> {
    console.iter().filter(|m| m.starts_with("SEVERE")).collect()
}

/// Waits until the journal view shows a row whose text holds `needle`; returns its seq.
async fn row_with(browser: &Browser, needle: &str) -> Value {
    let script = format!(
        "const r = [...document.querySelectorAll('#journal tbody tr')]\
           .find(r => r.textContent.includes({needle:?})); return r ? r.dataset.seq : null;"
    );
    browser
        .wait_until(&format!("a journal row shows {needle}"), &script)
        .await
}

/// The CSS selector of the journal row [`row_with`] found.
fn row_selector(seq: &Value) -> String {
    format!("#journal tbody tr[data-seq=\"{}\"]", seq.as_str().unwrap())
}

/// Clicks the journal row that shows `needle` open.
async fn open_row_with(browser: &Browser, needle: &str) {
    let seq = row_with(browser, needle).await;
    browser.click(&row_selector(&seq)).await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver (apt-get install; .ci/run does)"]
async fn the_dashboard_shows_the_journal_and_steers_faults_clock_and_reset() {
    let srv = TestServer::start().await;
    let browser = Browser::start(1400, 860).await;
    browser.goto(&srv.url("/__admin/ui")).await;
    browser
        .wait_until("the page is ready", "return document.body.dataset.ready")
        .await;

    // A request made by the test's own HTTP client appears in the journal, newest first.
    let id = srv
        .create_pbx_provider(common::fixtures::pbx_provider("seen-in-the-browser"))
        .await;
    srv.req(Method::POST, "/api/providers")
        .json(&json!({ "name": 5 }))
        .send()
        .await
        .expect(400);
    srv.get(&format!("/api/providers/{id}")).await.expect(200);
    let seq = row_with(&browser, &format!("/api/providers/{id}")).await;
    let first = browser
        .exec(
            "return document.querySelector('#journal tbody tr').dataset.seq",
            vec![],
        )
        .await;
    assert_eq!(first, seq, "the newest request comes first");

    // The status filter keeps the 4xx only; the text filter searches bodies too.
    browser.click("#f-status option[value=\"4\"]").await;
    browser
        .wait_until(
            "only the 400 is listed",
            "const rows = [...document.querySelectorAll('#journal tbody tr')]; \
             return rows.length === 1 && rows[0].classList.contains('s4xx')",
        )
        .await;
    browser.click("#f-status option[value=\"\"]").await;
    browser.fill("#f-text", "seen-in-the-browser").await;
    browser
        .wait_until(
            "the create and the read (its answer names the provider) are listed",
            "return document.querySelectorAll('#journal tbody tr').length === 2",
        )
        .await;
    browser.fill("#f-text", "").await;
    browser
        .wait_until(
            "every request is listed again",
            "return document.querySelectorAll('#journal tbody tr').length === 3",
        )
        .await;

    // Opening the create shows both bodies.
    open_row_with(&browser, "201").await;
    let request_body = browser.text("#detail-request-body").await;
    assert!(
        request_body.contains("seen-in-the-browser"),
        "{request_body}"
    );
    let response_body = browser.text("#detail-response-body").await;
    assert!(response_body.contains(&id), "{response_body}");
    assert!(browser.text("#curl").await.starts_with("curl -X POST"));

    // Esc closes it; Enter on a focused row opens it, here the refused one with its problem.
    browser.keys("#detail-close", ESCAPE).await;
    browser
        .wait_until(
            "Esc closes the detail",
            "return document.querySelector('#detail').hidden",
        )
        .await;
    let refused_row = row_selector(&row_with(&browser, "400").await);
    browser.keys(&refused_row, ENTER).await;
    let problem = browser.text("#detail-problem").await;
    assert!(problem.contains("request validation failed"), "{problem}");
    browser.screenshot(&shot("journal.png")).await;
    browser.set_window(420, 860).await;
    browser.screenshot(&shot("journal-narrow-detail.png")).await;
    browser.keys(&refused_row, ESCAPE).await;
    browser
        .wait_until(
            "Esc closes the detail",
            "return document.querySelector('#detail').hidden",
        )
        .await;
    browser.screenshot(&shot("journal-narrow.png")).await;
    browser.set_window(1400, 860).await;

    // A fault rule added from the page's editor makes the next request fail.
    browser.click("#tab-faults").await;
    browser
        .fill(
            "#fault-editor",
            r#"{"id": "from-the-page", "match": {"method": "GET", "path": "^/api/providers$"}, "error": {"status": 503}, "times": 1}"#,
        )
        .await;
    browser.click("#fault-add").await;
    browser
        .wait_until(
            "the new rule is listed",
            "return document.querySelector('#faults tr[data-id=\"from-the-page\"]')",
        )
        .await;
    browser.screenshot(&shot("faults.png")).await;
    srv.get("/api/providers").await.expect(503);
    srv.get("/api/providers").await.expect(200);
    // An example scenario is one click away.
    browser
        .click(".apply-example[data-file=\"operator-500-twice.json\"]")
        .await;
    browser
        .wait_until(
            "the example's rule is listed",
            "return document.querySelectorAll('#faults tbody tr').length === 2",
        )
        .await;
    browser
        .wait_until(
            "the rule shows its hit",
            "const r = document.querySelector('#faults tr[data-id=\"from-the-page\"]'); \
             return r && r.children[2].textContent === '1'",
        )
        .await;
    browser
        .click(&format!(
            "#faults tr[data-id={:?}] .delete-fault",
            "from-the-page"
        ))
        .await;
    browser
        .wait_until(
            "the deleted rule is gone",
            "return document.querySelectorAll('#faults tbody tr').length === 1",
        )
        .await;

    // Advancing the clock from the page moves a fusion trunk group from pending to ok.
    let tg = srv
        .post(
            FUSION_TGS,
            json!({ "name": "clocked", "maxCalls": 10, "cfnrActive": false }),
        )
        .await;
    tg.expect(200);
    let tg_path = format!("{FUSION_TGS}/{}?withStatus", tg.json["id"]);
    assert_eq!(srv.get(&tg_path).await.json["status"], "pending");
    browser.fill("#advance-seconds", "5").await;
    browser.click("#advance").await;
    let mut offset = 0.0;
    for _ in 0..200 {
        offset = srv.get("/__admin/clock").await.json["offset_seconds"]
            .as_f64()
            .unwrap();
        if offset >= 5.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(offset, 5.0);
    assert_eq!(srv.get(&tg_path).await.json["status"], "ok");
    browser
        .wait_until(
            "the page shows the offset",
            "return document.querySelector('#clock-offset').textContent.includes('+5')",
        )
        .await;

    // The state tree and the events of the session.
    browser.click("#tab-state").await;
    browser
        .wait_until(
            "the state tree",
            "return document.querySelectorAll('#state-tree details').length > 3",
        )
        .await;
    browser.screenshot(&shot("state.png")).await;
    // Uploading a dump restores it: here one without the pbx providers.
    let dir = common::files::temp_dir("ui-upload");
    let file = dir.join("state.json");
    common::files::write_json(&file, &json!({ "pbx": { "providers": [] } }));
    browser.keys("#state-upload", file.to_str().unwrap()).await;
    let mut providers = usize::MAX;
    for _ in 0..200 {
        let state = srv.get("/__admin/state").await;
        providers = state.json["pbx"]["providers"]
            .as_array()
            .map_or(0, Vec::len);
        if providers == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(providers, 0, "the uploaded state was restored");
    let _ = std::fs::remove_dir_all(dir);
    browser.click("#tab-events").await;
    browser
        .wait_until(
            "events are listed",
            "return document.querySelectorAll('#events tbody tr').length > 0",
        )
        .await;
    browser.screenshot(&shot("events.png")).await;

    // Reset empties the journal, on the server and in the view.
    browser.click("#tab-journal").await;
    browser.click("#reset").await;
    browser
        .wait_until(
            "the journal view is empty",
            "return document.querySelectorAll('#journal tbody tr').length === 0 \
             && !document.querySelector('#journal-empty').hidden",
        )
        .await;
    assert_eq!(srv.get("/__admin/requests").await.json["count"], 0);

    let console = browser.console().await;
    assert!(errors(&console).is_empty(), "console errors: {console:#?}");
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver (apt-get install; .ci/run does)"]
async fn with_an_admin_token_the_page_opens_only_through_the_token_cookie() {
    let srv = TestServer::start_with(|o| o.engine.admin_token = Some("s3cret".into())).await;
    let browser = Browser::start(1200, 800).await;
    browser.goto(&srv.url("/__admin/ui")).await;
    let refused = browser.text("h1").await;
    assert_eq!(refused, "Admin token needed");
    // The refusal itself is the one expected console error; the signed-in page must add none.
    let before = browser.console().await;
    assert_eq!(errors(&before).len(), 1, "{before:#?}");

    browser.goto(&srv.url("/__admin/ui?token=s3cret")).await;
    browser
        .wait_until("the page is ready", "return document.body.dataset.ready")
        .await;
    // The token left the address bar; the page's admin calls go through with the cookie.
    assert!(browser.current_url().await.ends_with("/__admin/ui#journal"));
    srv.req(Method::GET, "/api/providers")
        .send()
        .await
        .expect(200);
    row_with(&browser, "/api/providers").await;
    let cookie_seen_by_script = browser.exec("return document.cookie", vec![]).await;
    assert_eq!(cookie_seen_by_script, "", "the cookie is HttpOnly");
    let console = browser.console().await;
    assert!(errors(&console).is_empty(), "console errors: {console:#?}");
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver (apt-get install; .ci/run does)"]
async fn a_screenshot_of_a_busy_session_for_the_readme() {
    let srv = TestServer::start().await;
    let id = srv
        .create_pbx_provider(common::fixtures::pbx_provider("acme-trunks"))
        .await;
    srv.get("/api/providers").await.expect(200);
    srv.req(Method::POST, "/api/providers")
        .json(&json!({ "name": 5 }))
        .send()
        .await
        .expect(400);
    srv.add_fault_rule(json!({ "id": "provider-down", "match": { "method": "GET",
        "path": "^/api/providers/" }, "error": { "status": 503 }, "times": 1 }))
        .await;
    srv.get(&format!("/api/providers/{id}")).await.expect(503);
    srv.get(&format!("/api/providers/{id}")).await.expect(200);
    srv.post(
        FUSION_TGS,
        json!({ "name": "paris-trunk", "maxCalls": 30, "cfnrActive": false }),
    )
    .await
    .expect(200);
    srv.get("/api/providers/nope").await;
    let browser = Browser::start(1440, 900).await;
    browser.goto(&srv.url("/__admin/ui")).await;
    browser
        .wait_until("the page is ready", "return document.body.dataset.ready")
        .await;
    open_row_with(&browser, "201").await;
    browser.text("#detail-response-body").await;
    browser.screenshot(&shot("dashboard.png")).await;
}
