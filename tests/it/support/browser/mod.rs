pub mod webdriver;

/// Serves `state` on 127.0.0.1:0 from a thread of its own (with its own
/// runtime, as a browser test needs the blocking WebDriver client on this one);
/// answers the base URL once the socket is bound.
pub fn serve_in_background(state: hotspots::serve::AppState) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            axum::serve(listener, hotspots::serve::router(state))
                .await
                .expect("serve");
        });
    });
    let addr = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("server started");
    format!("http://{addr}")
}

/// Signs `name` in through the real form at `base`, and waits until the
/// form's answer has taken the browser off `/signin` (navigating before that
/// raced the session cookie and landed on `/signin`).
pub fn sign_in(s: &webdriver::Session, base: &str, name: &str, password: &str) {
    s.goto(&format!("{base}/signin"));
    s.type_into(&s.find("#name"), name);
    s.type_into(&s.find("#password"), password);
    s.click(&s.find("main.signin button[type=submit]"));
    s.wait_for("return location.pathname", |v| v != "/signin");
}

/// Serves `store` with the demo accounts (made if missing) from a thread of its
/// own; answers the base URL and the `tactical` account's password.
pub fn serve_as_tactical(store: hotspots::Store) -> (String, String) {
    serve_as(store, "tactical")
}

/// As [`serve_as_tactical`], for the demo account `name`.
pub fn serve_as(store: hotspots::Store, name: &str) -> (String, String) {
    let password = hotspots::demo::demo_accounts(&store)
        .expect("accounts")
        .into_iter()
        .find(|(account, _)| account == name)
        .expect("demo account")
        .1;
    let state = hotspots::serve::AppState::new(store, hotspots::serve::ServeConfig::default())
        .expect("state");
    (serve_in_background(state), password)
}
