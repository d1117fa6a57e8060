//! A small WebDriver client for the browser tests: starts `chromedriver` on a free port, opens
//! a headless Chromium session (Debian's `chromium` and `chromium-driver` packages), and speaks
//! the W3C protocol (JSON over HTTP) with reqwest. Every wait is a bounded poll. Dropping the
//! [`Browser`] ends the session (which closes Chromium) and kills chromedriver.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

pub const ENTER: &str = "\u{E007}";
pub const ESCAPE: &str = "\u{E00C}";
/// How long a wait polls before it fails the test.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

pub struct Browser {
    driver: Child,
    port: u16,
    base: String,
    session: String,
    client: reqwest::Client,
    profile: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Browser {
    /// chromedriver and a headless Chromium with a fresh profile, at `width` × `height`.
    pub async fn start(width: u32, height: u32) -> Self {
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver)");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let profile = super::files::temp_dir("chromium-profile");
        let mut browser = Self {
            driver,
            port,
            base,
            session: String::new(),
            client,
            profile,
        };
        let mut ready = false;
        for _ in 0..(WAIT.as_millis() / POLL.as_millis()) {
            if let Ok(r) = browser
                .client
                .get(format!("{}/status", browser.base))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                ready = true;
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        assert!(ready, "chromedriver did not become ready on port {port}");
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", browser.profile.display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        }}});
        let v = browser.call("POST", "/session", Some(caps)).await;
        browser.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        browser
    }

    /// One WebDriver command; panics on a WebDriver error. Returns its `value`.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.try_call(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("WebDriver {method} {path}: {e}"),
        }
    }

    async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url).json(&body.unwrap_or(json!({}))),
        };
        let r = req.send().await.map_err(|e| e.to_string())?;
        let ok = r.status().is_success();
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(v["value"].to_string())
        }
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), Some(json!({ "url": url })))
            .await;
    }

    pub async fn current_url(&self) -> String {
        let v = self.call("GET", &self.at("/url"), None).await;
        v.as_str().unwrap_or_default().to_string()
    }

    pub async fn set_window(&self, width: u32, height: u32) {
        let body = json!({ "width": width, "height": height });
        self.call("POST", &self.at("/window/rect"), Some(body))
            .await;
    }

    /// Runs a script in the page (`arguments[0..]` are `args`) and returns its value.
    pub async fn exec(&self, script: &str, args: Vec<Value>) -> Value {
        let body = json!({ "script": script, "args": args });
        self.call("POST", &self.at("/execute/sync"), Some(body))
            .await
    }

    /// Polls `script` until it returns something truthy (not `null`/`false`/`""`/`0`).
    pub async fn wait_until(&self, what: &str, script: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..(WAIT.as_millis() / POLL.as_millis()) {
            last = self.exec(script, vec![]).await;
            let truthy = match &last {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return last;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("timed out waiting until {what} (last: {last})");
    }

    /// The first element matching `css`, waiting for it to exist.
    pub async fn find(&self, css: &str) -> String {
        let body = json!({ "using": "css selector", "value": css });
        let mut last = String::new();
        for _ in 0..(WAIT.as_millis() / POLL.as_millis()) {
            match self
                .try_call("POST", &self.at("/element"), Some(body.clone()))
                .await
            {
                // An element reference is an object of one entry (the W3C element key).
                Ok(Value::Object(m)) if m.len() == 1 => {
                    if let Some(Value::String(id)) = m.values().next() {
                        return id.clone();
                    }
                }
                Ok(v) => last = v.to_string(),
                Err(e) => last = e,
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("no element {css} appeared ({last})");
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call("POST", &self.at(&format!("/element/{id}/click")), None)
            .await;
    }

    /// Types `text` into the element (keys included: [`ENTER`], [`ESCAPE`]).
    pub async fn keys(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        let body = json!({ "text": text });
        self.call(
            "POST",
            &self.at(&format!("/element/{id}/value")),
            Some(body),
        )
        .await;
    }

    /// Clears a field, then types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call("POST", &self.at(&format!("/element/{id}/clear")), None)
            .await;
        self.keys(css, text).await;
    }

    pub async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        let v = self
            .call("GET", &self.at(&format!("/element/{id}/text")), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// Saves a PNG of the window to `path` (its folder created).
    pub async fn screenshot(&self, path: &Path) {
        let v = self.call("GET", &self.at("/screenshot"), None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// The browser console's messages since the last call, as `LEVEL message`.
    pub async fn console(&self) -> Vec<String> {
        let v = self
            .call(
                "POST",
                &self.at("/se/log"),
                Some(json!({ "type": "browser" })),
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|m| format!("{} {}", m["level"].as_str().unwrap_or("?"), m["message"]))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Browser {
    /// Ends the session so chromedriver closes Chromium, then stops chromedriver. Drop cannot
    /// await, so the DELETE goes over a plain blocking socket with a timeout.
    fn drop(&mut self) {
        if !self.session.is_empty()
            && let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
