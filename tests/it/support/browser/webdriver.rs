//! A minimal W3C WebDriver client over blocking HTTP/1.1 (chromedriver speaks it
//! on loopback): sessions, navigation, script, elements, clicks, keys, screenshots.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long a condition may take before the test fails (generous: the machine may be slow).
const PATIENCE: Duration = Duration::from_secs(90);

pub struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits until it is ready.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let binary =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{binary}: cannot start ({e}); `.ci/run` installs chromium-driver")
            });
        let driver = Self {
            child,
            port,
            profile: tempfile::tempdir().expect("profile dir"),
        };
        let started = Instant::now();
        loop {
            if let Ok((200, body)) = driver.request("GET", "/status", None) {
                if body["value"]["ready"] == json!(true) {
                    break;
                }
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::io::Result<(u16, Value)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        let payload = body.map(Value::to_string).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            self.port,
            payload.len()
        )?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse::<usize>().ok();
                }
            }
        }
        let mut bytes = Vec::new();
        match length {
            Some(n) => {
                bytes.resize(n, 0);
                reader.read_exact(&mut bytes)?;
            }
            None => {
                reader.read_to_end(&mut bytes)?;
            }
        }
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, value))
    }

    /// A headless Chromium session with the flags the issue names.
    pub fn session(&self) -> Session<'_> {
        let profile = self.profile.path().display().to_string();
        // A script may wait behind a busy page (SwiftShader drawing the map,
        // axe-core's 0.5 MB evaluated on each page): WebDriver's default 30 s
        // was once too little for that on a loaded two-core machine.
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "timeouts": {"script": 180_000, "pageLoad": 300_000},
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1400,900", format!("--user-data-dir={profile}"),
                ]
            }
        }}});
        let (status, body) = self
            .request("POST", "/session", Some(&caps))
            .expect("new session");
        assert_eq!(status, 200, "new session: {body}");
        let id = body["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_owned();
        Session { driver: self, id }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Session<'d> {
    driver: &'d Driver,
    id: String,
}

pub struct Element(String);

impl Session<'_> {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let full = format!("/session/{}{path}", self.id);
        let (status, value) = self
            .driver
            .request(method, &full, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(status, 200, "{method} {path}: {value}");
        value["value"].clone()
    }

    /// Forgets every cookie of the current site (signs out without a form).
    pub fn delete_cookies(&self) {
        self.call("DELETE", "/cookie", None);
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(&json!({ "url": url })));
    }

    pub fn execute(&self, script: &str, args: &Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Runs `script` until `done` accepts its value (or fails after a while).
    pub fn wait_for(&self, script: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let v = self.execute(script, &json!([]));
            if done(&v) {
                return v;
            }
            if started.elapsed() >= PATIENCE {
                // Where the browser is says most about why: a page left for
                // the sign-in form, an error in the status line.
                let whereabouts = self.execute(
                    "const status = document.getElementById('status');
                     return [location.href, document.title,
                             document.body && document.body.getAttribute('data-ready'),
                             status && status.textContent];",
                    &json!([]),
                );
                panic!(
                    "condition never held: {script} (last {v}; page [href, title, data-ready, status]: {whereabouts})"
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn find(&self, css: &str) -> Element {
        let v = self.call(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": css})),
        );
        Element(
            v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element {css}: {v}"))
                .to_owned(),
        )
    }

    pub fn click(&self, e: &Element) {
        self.call("POST", &format!("/element/{}/click", e.0), Some(&json!({})));
    }

    /// A real pointer click at an offset from the element's centre.
    pub fn click_at(&self, e: &Element, x: i64, y: i64) {
        let mut origin = serde_json::Map::new();
        origin.insert(ELEMENT.to_owned(), json!(e.0));
        self.call(
            "POST",
            "/actions",
            Some(&json!({"actions": [{
                "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                "actions": [
                    {"type": "pointerMove", "origin": origin, "x": x, "y": y, "duration": 0},
                    {"type": "pointerDown", "button": 0},
                    {"type": "pointerUp", "button": 0}
                ]
            }]})),
        );
        self.call("DELETE", "/actions", None);
    }

    pub fn type_into(&self, e: &Element, text: &str) {
        self.call(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(&json!({ "text": text })),
        );
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver's
    /// `goog/cdp/execute` (Chromium only), e.g. `Network.setBlockedURLs` to
    /// make requests fail.
    pub fn cdp(&self, command: &str, params: &Value) -> Value {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": command, "params": params })),
        )
    }

    /// The page printed to PDF by Chromium (`Page.printToPDF`), with the
    /// page's own `@page` size.
    pub fn print_pdf(&self) -> Vec<u8> {
        let answer = self.cdp(
            "Page.printToPDF",
            &json!({ "preferCSSPageSize": true, "printBackground": true }),
        );
        decode_base64(answer["data"].as_str().unwrap_or(""))
    }

    pub fn screenshot(&self, path: &std::path::Path) {
        let b64 = self.call("GET", "/screenshot", None);
        let bytes = decode_base64(b64.as_str().unwrap_or(""));
        std::fs::write(path, bytes).expect("write screenshot");
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .request("DELETE", &format!("/session/{}", self.id), None);
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, d)| a | d << (18 - 6 * i));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}
