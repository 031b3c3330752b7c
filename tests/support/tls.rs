//! HTTPS for the tests: a throwaway CA and a `localhost` certificate made with openssl, and
//! a TLS front (tls_proxy.py) for the plain-HTTP hostile STS, so the real TLS path of
//! aws-auth is exercised on loopback.

use super::{HostileSts, Sandbox};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A CA certificate (`ca`) and a server certificate and key it signed, for `localhost`.
pub struct Certificates {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(sandbox: &Sandbox, args: &[&str]) {
    let out = sandbox
        .command("openssl")
        .args(args)
        .output()
        .expect("openssl is installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Certificates {
    pub fn new(sandbox: &Sandbox) -> Certificates {
        let p = |name: &str| sandbox.path(name).to_string_lossy().into_owned();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca_args = vec![
            "req",
            "-x509",
            "-days",
            "2",
            "-subj",
            "/CN=aws-auth test CA",
        ];
        ca_args.extend(ec);
        let (ca_key, ca, key, csr, cert) = (
            p("ca.key"),
            p("ca.pem"),
            p("server.key"),
            p("server.csr"),
            p("server.pem"),
        );
        ca_args.extend([
            "-keyout",
            &ca_key,
            "-out",
            &ca,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ]);
        openssl(sandbox, &ca_args);
        let mut req_args = vec![
            "req",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &key,
            "-out",
            &csr,
        ];
        req_args.extend(ec);
        openssl(sandbox, &req_args);
        let ext = sandbox.write(
            "server.ext",
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        );
        let ext = ext.to_string_lossy().into_owned();
        openssl(
            sandbox,
            &[
                "x509",
                "-req",
                "-days",
                "2",
                "-in",
                &csr,
                "-CA",
                &ca,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-out",
                &cert,
                "-extfile",
                &ext,
            ],
        );
        Certificates {
            ca: ca.into(),
            cert: cert.into(),
            key: key.into(),
        }
    }
}

/// `https://localhost:PORT` in front of a hostile STS; stops when dropped.
pub struct TlsFront {
    child: Child,
    port: u16,
}

impl TlsFront {
    pub fn start(certs: &Certificates, upstream: &HostileSts) -> TlsFront {
        let upstream_port = upstream.url().rsplit(':').next().unwrap().to_owned();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls_proxy.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&certs.cert)
            .arg(&certs.key)
            .arg(upstream_port)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the TLS front");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the TLS front prints its port");
        let port = line.trim().parse().expect("a port number");
        TlsFront { child, port }
    }

    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
