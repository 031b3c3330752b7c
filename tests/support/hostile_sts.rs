//! A hostile STS on loopback, served by [`super::http`] (one request per connection). It
//! follows a script of replies, the n-th request getting the n-th reply and the last one
//! repeating, and it records every request so a test can count attempts and see what was sent.
//!
//! It checks SigV4 signatures (tests/support/sigv4.rs) of requests signed with a key it knows
//! the secret of: by default the source key ([`SOURCE_ACCESS_KEY_ID`] with
//! [`SOURCE_SECRET_ACCESS_KEY`]) and the keys its `Credentials` replies hand out. A request
//! that does not verify gets AWS's answer (403 SignatureDoesNotMatch) instead of the script's;
//! one signed with any other key is answered from the script, its check `NotChecked`.

use super::http::{self, Answer, Response, Server};
use super::sigv4::{self, SignatureCheck};
use super::{SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY};
use std::sync::{Arc, Mutex};

const REQUEST_ID: &str = "11111111-2222-3333-4444-555555555555";

/// Credentials the fake STS hands out, as raw (unescaped) strings.
#[derive(Clone, Debug)]
pub struct FakeCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// As sent on the wire, e.g. `2026-12-03T09:04:05Z`.
    pub expiration: String,
}

/// An expiration an hour from now, as STS writes it (aws-auth refuses credentials that
/// expired already or claim to outlive any STS session).
pub fn in_an_hour() -> String {
    super::strict_sts::rfc3339(super::strict_sts::now() + 3600)
}

impl FakeCredentials {
    pub fn plain() -> Self {
        FakeCredentials {
            access_key_id: "ASIAHOSTILEEXAMPLE01".into(),
            secret_access_key: "hostile/secret+key".into(),
            session_token: "hostile-session-token==".into(),
            expiration: in_an_hour(),
        }
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A well-formed AssumeRole or GetSessionToken answer (whichever was asked) with these
    /// credentials, XML-escaped.
    Credentials(FakeCredentials),
    /// An STS error document (`<ErrorResponse>`) with this HTTP status.
    Error {
        status: u16,
        kind: &'static str,
        code: &'static str,
        message: String,
    },
    /// Any status and body, verbatim.
    Raw {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Read the request, then never answer (the connection stays open until the server drops).
    Hang,
    /// A GetCallerIdentity answer for the tests' account, with this `Date` header.
    CallerIdentity { date: String },
}

impl Reply {
    pub fn access_denied(message: &str) -> Reply {
        Reply::Error {
            status: 403,
            kind: "Sender",
            code: "AccessDenied",
            message: message.into(),
        }
    }

    pub fn internal_failure() -> Reply {
        Reply::Error {
            status: 500,
            kind: "Receiver",
            code: "InternalFailure",
            message: "The hostile test server always fails.".into(),
        }
    }

    pub fn not_xml(body: &str) -> Reply {
        Reply::Raw {
            status: 200,
            content_type: "text/xml",
            body: body.into(),
        }
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// The form-encoded body (`Action=AssumeRole&...`).
    pub body: String,
    /// What the server made of the SigV4 signature.
    pub signature: SignatureCheck,
}

impl From<http::Request> for Request {
    /// The body as text (STS forms are ASCII), the signature not yet checked.
    fn from(request: http::Request) -> Request {
        Request {
            method: request.method,
            target: request.target,
            headers: request.headers,
            body: String::from_utf8_lossy(&request.body).into_owned(),
            signature: SignatureCheck::NotChecked,
        }
    }
}

impl Request {
    /// The `Action` form field.
    pub fn action(&self) -> Option<&str> {
        self.body
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.body
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name))
    }

    /// True when the signature was checked and verified.
    pub fn verified(&self) -> bool {
        self.signature == SignatureCheck::Verified
    }
}

/// Which signatures a [`HostileSts`] checks.
#[derive(Clone, Debug)]
pub enum Verify {
    /// None (the test is about something else, or signs with keys the server cannot know).
    Off,
    /// Requests signed by these access key ids, each with its secret; other keys unchecked.
    Keys(Vec<(String, String)>),
}

impl Verify {
    /// The source key, and the keys `script`'s `Credentials` replies hand out.
    pub fn source_and_issued(script: &[Reply]) -> Verify {
        let mut keys = vec![(
            SOURCE_ACCESS_KEY_ID.to_owned(),
            SOURCE_SECRET_ACCESS_KEY.to_owned(),
        )];
        for reply in script {
            if let Reply::Credentials(creds) = reply {
                keys.push((creds.access_key_id.clone(), creds.secret_access_key.clone()));
            }
        }
        Verify::Keys(keys)
    }

    fn secret_for(&self, key_id: &str) -> Option<&str> {
        match self {
            Verify::Off => None,
            Verify::Keys(keys) => keys
                .iter()
                .find(|(k, _)| k == key_id)
                .map(|(_, s)| s.as_str()),
        }
    }
}

struct Shared {
    script: Vec<Reply>,
    verify: Verify,
    requests: Mutex<Vec<Request>>,
}

/// Stops serving when dropped (a connection that `Reply::Hang` holds is closed then).
pub struct HostileSts {
    server: Server,
    shared: Arc<Shared>,
}

impl HostileSts {
    /// Starts serving `script` on a free loopback port, checking the signatures of the source
    /// key and of the keys the script hands out. The script must not be empty.
    pub fn start(script: Vec<Reply>) -> HostileSts {
        let verify = Verify::source_and_issued(&script);
        Self::start_verifying(script, verify)
    }

    /// As [`HostileSts::start`], checking the signatures `verify` says.
    pub fn start_verifying(script: Vec<Reply>, verify: Verify) -> HostileSts {
        assert!(!script.is_empty(), "a hostile STS needs at least one reply");
        let shared = Arc::new(Shared {
            script,
            verify,
            requests: Mutex::new(Vec::new()),
        });
        let handler = Arc::clone(&shared);
        let server = Server::start(move |request| serve(request, &handler));
        HostileSts { server, shared }
    }

    /// Always the same reply.
    pub fn always(reply: Reply) -> HostileSts {
        Self::start(vec![reply])
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }
}

fn serve(request: http::Request, shared: &Shared) -> Answer {
    let mut request = Request::from(request);
    let secret = super::sts_form::signing_key_id(&request)
        .and_then(|key_id| shared.verify.secret_for(&key_id).map(str::to_owned));
    request.signature = sigv4::check(&request, secret.as_deref());
    let reply = {
        let mut requests = shared.requests.lock().unwrap();
        let n = requests.len();
        let reply = match &request.signature {
            SignatureCheck::Refused(mismatch) => {
                let (status, kind, code, message) = mismatch.aws_error();
                Reply::Error {
                    status,
                    kind,
                    code,
                    message,
                }
            }
            _ => shared.script[n.min(shared.script.len() - 1)].clone(),
        };
        requests.push(request.clone());
        reply
    };
    let response = match reply {
        Reply::Hang => return Answer::Hang,
        Reply::Credentials(creds) => {
            Response::new(200, "text/xml", credentials_body(&request, &creds))
        }
        Reply::Error {
            status,
            kind,
            code,
            message,
        } => Response::new(status, "text/xml", error_body(kind, code, &message)),
        Reply::Raw {
            status,
            content_type,
            body,
        } => Response::new(status, content_type, body),
        Reply::CallerIdentity { date } => Response::new(
            200,
            "text/xml",
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>\
             <UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>\
             </GetCallerIdentityResult></GetCallerIdentityResponse>",
        )
        .header("Date", &date),
    };
    response.header("x-amzn-RequestId", REQUEST_ID).into()
}

/// XML character data: markup characters as entities, CR as a character reference (a raw
/// one would be normalised to LF by any XML parser).
pub fn xml_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn credentials_body(request: &Request, creds: &FakeCredentials) -> String {
    let action = request.action().unwrap_or("GetSessionToken");
    let assumed_user = if action == "AssumeRole" {
        "<AssumedRoleUser><AssumedRoleId>AROAHOSTILE:session</AssumedRoleId>\
         <Arn>arn:aws:sts::123456789012:assumed-role/hostile/session</Arn></AssumedRoleUser>"
    } else {
        ""
    };
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
         <{action}Result>\n\
         <Credentials>\n\
         <AccessKeyId>{}</AccessKeyId>\n\
         <SecretAccessKey>{}</SecretAccessKey>\n\
         <SessionToken>{}</SessionToken>\n\
         <Expiration>{}</Expiration>\n\
         </Credentials>\n\
         {assumed_user}\n\
         </{action}Result>\n\
         <ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>\n\
         </{action}Response>\n",
        xml_escape(&creds.access_key_id),
        xml_escape(&creds.secret_access_key),
        xml_escape(&creds.session_token),
        xml_escape(&creds.expiration),
    )
}

/// An STS `<ErrorResponse>` document, as AWS sends it.
pub fn error_body(kind: &str, code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
         <Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error>\n\
         <RequestId>{REQUEST_ID}</RequestId>\n\
         </ErrorResponse>\n",
        xml_escape(message)
    )
}
