//! The HTTPS path, which moto (plain HTTP) never exercises: a certificate the system does not
//! trust is refused with a clear error, and `AWS_CA_BUNDLE` makes it trusted, as in the
//! AWS CLI. A bundle that is not one is a clear usage error, never a panic.

use crate::support::tls::{Certificates, TlsFront};
use crate::support::*;
use std::process::Command;

fn against(front: &TlsFront, sandbox: &Sandbox) -> Command {
    let mut cmd = sandbox.aws_auth_with_keys(&front.url());
    cmd.args(["--role-arn", &role_arn("tls"), "--role-session-name", "tls"]);
    cmd
}

#[test]
fn an_untrusted_certificate_is_refused_and_aws_ca_bundle_trusts_it() {
    let sandbox = Sandbox::new();
    let certs = Certificates::new(&sandbox);
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let front = TlsFront::start(&certs, &sts);

    let refused = run(&mut against(&front, &sandbox));
    refused.assert_failure(1);
    assert!(
        refused.stderr.contains("AssumeRole") && refused.stderr.contains("could not reach"),
        "{}",
        refused.describe()
    );
    assert!(
        refused.stderr.contains("certificate") && refused.stderr.contains("AWS_CA_BUNDLE"),
        "the error says the certificate is the problem and what to do\n{}",
        refused.describe()
    );
    assert_eq!(
        sts.request_count(),
        0,
        "nothing was sent over the untrusted connection"
    );

    let trusted = run(against(&front, &sandbox).env("AWS_CA_BUNDLE", &certs.ca));
    trusted.assert_success();
    assert!(
        trusted
            .stdout_str()
            .starts_with("unset AWS_AUTH_PROFILE\nexport AWS_ACCESS_KEY_ID="),
        "{}",
        trusted.describe()
    );
    let requests = sts.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert!(
        requests[0].verified(),
        "signed for the HTTPS host it was sent to: {requests:#?}"
    );
}

#[test]
fn a_bundle_that_is_not_one_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let certs = Certificates::new(&sandbox);
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let front = TlsFront::start(&certs, &sts);
    let garbage = sandbox.write(
        "garbage.pem",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
    );
    for (bundle, needle) in [
        (garbage.clone(), "cannot be trusted"),
        (sandbox.path("missing.pem"), "does not exist"),
        (sandbox.write("empty.pem", ""), "no PEM certificate"),
    ] {
        let out = run(against(&front, &sandbox).env("AWS_CA_BUNDLE", &bundle));
        out.assert_failure(2);
        assert!(
            out.stderr.contains("AWS_CA_BUNDLE") && out.stderr.contains(needle),
            "{}",
            out.describe()
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.describe());
    }
    assert_eq!(sts.request_count(), 0);
}
