//! The device reaching a server that serves HTTPS itself with a certificate from the clinic's
//! own authority (issue 17), through the `physalign` command line: refused until the device
//! trusts that authority (`PHYSALIGN_CA_CERT`), then sign-in, a registration and a sync round.

mod support;

use std::ffi::OsStr;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use support::cli::{as_array, CliDevice};
use support::server::ServerProcess;

/// Writes the clinic's authority and the server's certificate for `localhost` into `dir`:
/// (authority PEM, server chain, server key).
fn clinic_pki(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Clinic Authority");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let (authority, chain, key) = (
        dir.join("clinic-ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&authority, ca.pem()).expect("write CA");
    std::fs::write(&chain, format!("{}{}", server.pem(), ca.pem())).expect("write chain");
    std::fs::write(&key, server_key.serialize_pem()).expect("write key");
    (authority, chain, key)
}

#[test]
fn a_device_reaches_a_clinic_server_over_https_once_it_trusts_the_clinics_authority() {
    let pki = tempfile::tempdir().expect("temp dir");
    let (authority, chain, key) = clinic_pki(pki.path());
    let url = support::pg::cluster().create_database("tls_device");
    let server = ServerProcess::start_https(&url, support::free_port(), chain, key);
    let base = server.url();
    assert!(base.starts_with("https://"), "{base}");
    server.create_clinician("clare@clinic.example");
    let device = CliDevice::new();
    let login = [
        "login",
        "--server",
        &base,
        "--email",
        "clare@clinic.example",
    ];

    // The public authorities do not vouch for the clinic's certificate: no sign-in, nothing kept.
    let refused = device.output(&login);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "signed in over an unknown issuer"
    );
    assert!(stderr.contains("certificate"), "{stderr}");
    let sync = device.output(&["sync", "--once", "--max-wait-secs", "5"]);
    let stderr = String::from_utf8_lossy(&sync.stderr);
    assert!(!sync.status.success());
    assert!(stderr.contains("not logged in"), "{stderr}");

    // A file that is not a certificate is a clear error, not a connection without it.
    let garbage = pki.path().join("not-a-ca.pem");
    std::fs::write(&garbage, "hello").expect("write");
    let out = device.output_with(&login, &[("PHYSALIGN_CA_CERT", garbage.as_os_str())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("PHYSALIGN_CA_CERT"), "{stderr}");

    // Trusting the clinic's authority, the device signs in, registers a patient and syncs.
    let trust: &[(&str, &OsStr)] = &[("PHYSALIGN_CA_CERT", authority.as_os_str())];
    let run = |args: &[&str]| device.run_with(args, trust);
    run(&login);
    let added: serde_json::Value = serde_json::from_str(&run(&[
        "patients",
        "add",
        "--first-name",
        "Pat",
        "--last-name",
        "Ient",
        "--email",
        "pat@home.example",
        "--json",
    ]))
    .expect("JSON");
    let patient_id = added["patient_id"].as_str().expect("patient_id");
    run(&["sync", "--once", "--max-wait-secs", "60"]);
    let roster: serde_json::Value =
        serde_json::from_str(&run(&["patients", "--json"])).expect("JSON");
    assert!(
        as_array(roster)
            .iter()
            .any(|p| p["patient_id"].as_str() == Some(patient_id)),
        "the registered patient is on the roster after the sync"
    );
}
