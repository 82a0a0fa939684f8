//! The access log as the shipped binary writes it to stderr: a line for every request, at
//! once when the server is idle, and none kept back when it stops.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::helpers::TestDatabase;

/// How long a line may take to show up before the test gives up: a deadline for a hang,
/// not a speed target.
const PATIENCE: Duration = Duration::from_secs(20);

struct Server {
    process: Child,
    stderr: Receiver<String>,
    base_url: String,
}

impl Server {
    fn start(db: &TestDatabase) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_engfeed"))
            .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
            .env("DATABASE_URL", db.url.expose())
            .env("RUST_LOG", "info")
            .env("ENGFEED_LOG_FORMAT", "text")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start engfeed serve");
        let pipe = process.stderr.take().expect("stderr");
        let (send, stderr) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            process,
            stderr,
            base_url: String::new(),
        };
        let serving = server.wait_for(|line| line.contains("serving;"));
        let port = serving
            .split_whitespace()
            .find_map(|word| word.strip_prefix("port="))
            .expect("the serving line names the port");
        server.base_url = format!("http://127.0.0.1:{port}");
        server
    }

    /// The next line of stderr that `wanted` accepts.
    fn wait_for(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!("no such line within {PATIENCE:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("stderr closed before that line"),
            }
        }
    }

    /// Stops the server as a supervisor does (SIGTERM) and returns the rest of its stderr.
    fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let exit = self.process.wait().expect("wait for engfeed");
        assert!(exit.success(), "{exit}");
        self.stderr.iter().collect()
    }
}

impl Drop for Server {
    /// A failed test leaves no server behind; after `stop` the process is gone already.
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn access_line_of(request_id: &str) -> impl Fn(&str) -> bool + '_ {
    move |line| line.contains("engfeed::access:") && line.ends_with(request_id)
}

#[tokio::test]
async fn an_idle_server_writes_a_requests_line_at_once() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db);
    let response = reqwest::get(format!("{}/feed.atom", server.base_url))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();

    // No further request comes to push it out.
    let line = server.wait_for(access_line_of(&id));
    assert!(
        line.contains(" method=GET uri=/feed.atom status=200 "),
        "{line}"
    );
    server.stop();
}

#[tokio::test]
async fn every_request_of_a_burst_has_its_line_when_the_server_stops() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db);
    let client = reqwest::Client::new();
    let requests = (0..400).map(|i| {
        let path = ["/feed.atom", "/feed.rss", "/feed.json", "/healthz"][i % 4];
        client.get(format!("{}{path}", server.base_url)).send()
    });
    let mut ids = Vec::new();
    for response in futures_util::future::join_all(requests).await {
        let response = response.expect("request");
        assert!(response.status().is_success(), "{}", response.status());
        ids.push(
            response.headers()["x-request-id"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
    }

    let log = server.stop();
    for id in &ids {
        let lines = log.iter().filter(|line| access_line_of(id)(line)).count();
        assert_eq!(lines, 1, "request {id} has {lines} access lines");
    }
}
