//! Proxy variables never carry the keys (issue 13, item 1): with every proxy variable pointing at a
//! listener that counts connections, a token and a ledger list from the simulator on loopback
//! succeed and the "proxy" sees nothing. Environment variables are process-wide, so this file holds
//! one test and runs in its own process.

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A "proxy" on loopback that counts every connection and drops it at once, so a request sent to
/// it fails fast instead of hanging.
fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (address, connections)
}

#[test]
fn loopback_never_goes_through_a_proxy_whatever_the_environment_says() {
    let (proxy, connections) = counting_proxy();
    // Before any runtime or client exists, so no other thread reads the environment meanwhile.
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
    ] {
        std::env::set_var(name, &proxy);
    }
    std::env::set_var("NO_PROXY", "");
    std::env::set_var("no_proxy", "");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let sim = sim::start(SimConfig::default()).await.expect("simulator");
        let keys = Credentials::Merchant {
            client_id: demo::MERCHANT_CLIENT_ID.into(),
            client_secret: Secret::new(demo::MERCHANT_CLIENT_SECRET),
            subscription_key: Secret::new(demo::MERCHANT_SUBSCRIPTION_KEY),
            msn: Some(demo::MERCHANT_MSN.into()),
        };
        let config = ClientConfig {
            timeout: Duration::from_secs(3),
            max_retries: 0,
            ..ClientConfig::default()
        };
        let client = ApiClient::new(&sim.base_url(), keys, config).expect("client");
        client.verify_keys().await.expect("a token from the simulator");
        let ledgers = client.ledgers(None).await.expect("the ledger list");
        assert!(!ledgers.is_empty());
    });
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "the proxy saw the requests to loopback, keys included"
    );
}
