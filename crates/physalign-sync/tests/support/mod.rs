//! Shared parts of the end-to-end tests: PostgreSQL, the server process, the fault proxy and
//! fixtures.
#![allow(dead_code)]

pub mod cli;
pub mod fixtures;
pub use physalign_testpg as pg;
pub mod proxy;
pub mod server;

/// A currently free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
