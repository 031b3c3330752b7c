//! A strict STS on loopback, for the session tests: it behaves like AWS wherever caching and
//! chaining sessions depend on it. It refuses an MFA code it has already seen (and, on
//! request, any code but the current TOTP code of a seed), refuses GetSessionToken from
//! session credentials and role chaining beyond one hour, can make a role require MFA (which
//! an MFA session satisfies without a code), hands out fresh credentials on every call and
//! knows them afterwards (GetCallerIdentity, the security token header, expiry), answers
//! GetFederationToken from long-term keys, and records
//! every request so a test can count calls and read their parameters.
//!
//! Every request's SigV4 signature is checked (tests/support/sigv4.rs) with the secret of its
//! key (a long-term key's, or that of credentials the server issued), and a request that does
//! not verify is refused as AWS refuses it (403 SignatureDoesNotMatch). Served by
//! [`super::http`], as the hostile STS is: one request per connection.

use super::hostile_sts::{Request, error_body, xml_escape};
use super::http::{self, Answer, Port, Response, Server};
use super::sigv4::{self, SignatureCheck};
use super::sts_form::{percent_decode, signing_key_id};
use super::{ACCOUNT, SERIAL_NUMBER, SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// AWS's own text for a refused one-time code (trailing space included).
pub const INVALID_MFA_MESSAGE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ";
/// AWS's text when AssumeRole from temporary credentials asks for more than an hour.
pub const CHAINING_MESSAGE: &str = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";
/// The IAM user the long-term keys belong to.
pub const USER_ARN: &str = "arn:aws:iam::123456789012:user/alice";
const USER_ID: &str = "AIDAALICEEXAMPLE00001";
const REQUEST_ID: &str = "22222222-3333-4444-5555-666666666666";

/// One request as the server understood it, and how it answered.
#[derive(Clone, Debug)]
pub struct Call {
    /// The `Action` form field (empty if there was none).
    pub action: String,
    /// Every form field (and query-string parameter), decoded; `Action` and `Version` included.
    pub params: BTreeMap<String, String>,
    /// The access key id of the `Authorization` header's `Credential=`.
    pub key_id: Option<String>,
    /// The SigV4 check: `NotChecked` only when the key was unknown (or absent).
    pub signature: SignatureCheck,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The error code of a refusal (`AccessDenied`, ...), None on success.
    pub error: Option<String>,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.params.contains_key(name)
    }

    /// True when the request carried an MFA code.
    pub fn is_coded(&self) -> bool {
        self.has("TokenCode")
    }

    pub fn succeeded(&self) -> bool {
        self.status == 200
    }

    /// True when the signature verified with the secret of the signing key.
    pub fn verified(&self) -> bool {
        self.signature == SignatureCheck::Verified
    }

    /// The key id, or a panic naming the call.
    pub fn signer(&self) -> &str {
        self.key_id
            .as_deref()
            .unwrap_or_else(|| panic!("unsigned request: {self:#?}"))
    }
}

/// Who a set of credentials the server issued belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// GetSessionToken's; `mfa` when the call carried a valid code.
    Session { mfa: bool },
    /// AssumeRole's: the assumed-role ARN and `AROA...:SESSION`.
    Role { arn: String, user_id: String },
}

/// Credentials the server handed out, as sent (unescaped).
#[derive(Clone, Debug)]
pub struct Issued {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// As sent: `YYYY-MM-DDTHH:MM:SSZ`.
    pub expiration: String,
    /// Seconds since the epoch.
    pub expires_at: u64,
    pub principal: Principal,
}

/// How the server is set up; `StrictSts::builder()`.
#[derive(Clone, Debug)]
pub struct Builder {
    /// (access key id, secret access key)
    long_term_keys: Vec<(String, String)>,
    mfa_serial: String,
    session_lifetime: Option<u64>,
    role_lifetime: Option<u64>,
    role_requires_mfa: bool,
    totp_seed: Option<String>,
}

impl Builder {
    /// Another long-term key the server accepts (besides [`SOURCE_ACCESS_KEY_ID`]), with the
    /// secret its requests must be signed with.
    pub fn long_term_key(mut self, key_id: &str, secret: &str) -> Self {
        self.long_term_keys
            .push((key_id.to_owned(), secret.to_owned()));
        self
    }

    /// The MFA device the user has (default [`SERIAL_NUMBER`]); codes for others are refused.
    pub fn mfa_serial(mut self, serial: &str) -> Self {
        self.mfa_serial = serial.to_owned();
        self
    }

    /// GetSessionToken credentials live this long, whatever DurationSeconds asked.
    pub fn session_lifetime(mut self, seconds: u64) -> Self {
        self.session_lifetime = Some(seconds);
        self
    }

    /// AssumeRole credentials live this long, whatever DurationSeconds asked.
    pub fn role_lifetime(mut self, seconds: u64) -> Self {
        self.role_lifetime = Some(seconds);
        self
    }

    /// AssumeRole needs MFA: a valid code in the call, or an MFA session as the signer.
    pub fn role_requires_mfa(mut self) -> Self {
        self.role_requires_mfa = true;
        self
    }

    /// Accept only the current RFC 6238 code of this base32 seed (no window either side),
    /// as `oathtool --totp -b` computes it when the request arrives.
    pub fn totp_seed(mut self, seed: &str) -> Self {
        self.totp_seed = Some(seed.to_owned());
        self
    }

    pub fn start(self) -> StrictSts {
        StrictSts::start_with(self)
    }
}

struct State {
    calls: Vec<Call>,
    issued: HashMap<String, Issued>,
    /// In issue order, for `issued()`.
    issue_order: Vec<String>,
    /// (serial, code) pairs already accepted.
    used_codes: HashSet<(String, String)>,
    random: Random,
}

struct Shared {
    config: Builder,
    /// `/sts-PID-N-NANOS`: the endpoint is unique to this server, not only to its port.
    path: String,
    state: Mutex<State>,
}

/// Stops serving when dropped.
pub struct StrictSts {
    server: Server,
    shared: Arc<Shared>,
}

impl StrictSts {
    pub fn builder() -> Builder {
        Builder {
            long_term_keys: vec![(
                SOURCE_ACCESS_KEY_ID.to_owned(),
                SOURCE_SECRET_ACCESS_KEY.to_owned(),
            )],
            mfa_serial: SERIAL_NUMBER.to_owned(),
            session_lifetime: None,
            role_lifetime: None,
            role_requires_mfa: false,
            totp_seed: None,
        }
    }

    /// The defaults: [`SOURCE_ACCESS_KEY_ID`] is alice's long-term key (signed with
    /// [`SOURCE_SECRET_ACCESS_KEY`]), any fresh 6-digit
    /// code for [`SERIAL_NUMBER`] is accepted once, roles do not require MFA.
    pub fn start() -> StrictSts {
        Self::builder().start()
    }

    fn start_with(config: Builder) -> StrictSts {
        // Bound first: the port salts the credentials' random source.
        let port = Port::bind();
        let path = format!("/{}", super::unique("sts"));
        let shared = Arc::new(Shared {
            config,
            path,
            state: Mutex::new(State {
                calls: Vec::new(),
                issued: HashMap::new(),
                issue_order: Vec::new(),
                used_codes: HashSet::new(),
                random: Random::new(port.number()),
            }),
        });
        let handler = Arc::clone(&shared);
        let server = port.serve(move |request| serve(request, &handler));
        StrictSts { server, shared }
    }

    /// `http://127.0.0.1:PORT/sts-PID-N-NANOS`. The path makes every cache key built on the
    /// endpoint unique to this server: the user's persistent kernel keyring is shared by
    /// every test of the uid (and by other containers on the same kernel), and a port is
    /// soon reused, so an endpoint of only a port could meet another server's cached session.
    pub fn url(&self) -> String {
        format!("{}{}", self.server.url(), self.shared.path)
    }

    /// `127.0.0.1:PORT`, to connect to.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.server.port())
    }

    /// The path every request must go to.
    pub fn path(&self) -> &str {
        &self.shared.path
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Call> {
        self.shared.state.lock().unwrap().calls.clone()
    }

    /// How many requests so far.
    pub fn total(&self) -> usize {
        self.shared.state.lock().unwrap().calls.len()
    }

    /// How many requests of this action (answered or refused).
    pub fn count(&self, action: &str) -> usize {
        self.requests()
            .iter()
            .filter(|c| c.action == action)
            .count()
    }

    /// The requests that carried a TokenCode.
    pub fn coded_calls(&self) -> Vec<Call> {
        self.requests().into_iter().filter(Call::is_coded).collect()
    }

    /// Requests of this action.
    pub fn calls_of(&self, action: &str) -> Vec<Call> {
        self.requests()
            .into_iter()
            .filter(|c| c.action == action)
            .collect()
    }

    /// Credentials handed out so far, in order.
    pub fn issued(&self) -> Vec<Issued> {
        let state = self.shared.state.lock().unwrap();
        state
            .issue_order
            .iter()
            .map(|k| state.issued[k].clone())
            .collect()
    }

    /// The credentials issued under this access key id.
    pub fn issued_for(&self, access_key_id: &str) -> Option<Issued> {
        self.shared
            .state
            .lock()
            .unwrap()
            .issued
            .get(access_key_id)
            .cloned()
    }
}

/// An error answer: status, AWS fault type, code, message.
struct Refusal(u16, &'static str, &'static str, String);

impl Refusal {
    fn access_denied(message: impl Into<String>) -> Refusal {
        Refusal(403, "Sender", "AccessDenied", message.into())
    }

    fn validation(message: impl Into<String>) -> Refusal {
        Refusal(400, "Sender", "ValidationError", message.into())
    }
}

fn serve(request: http::Request, shared: &Shared) -> Answer {
    let request = Request::from(request);
    let mut params = BTreeMap::new();
    let query = request.target.split_once('?').map_or("", |(_, q)| q);
    for pair in query.split('&').chain(request.body.split('&')) {
        if let Some((key, value)) = pair.split_once('=') {
            params.insert(percent_decode(key), percent_decode(value));
        }
    }
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let token_header = header("x-amz-security-token");
    let call = Call {
        action: params.get("Action").cloned().unwrap_or_default(),
        params,
        key_id: signing_key_id(&request),
        signature: SignatureCheck::NotChecked,
        status: 0,
        error: None,
    };
    let (status, body) = {
        // One lock over checking, consuming a code and issuing: parallel clients see a
        // consistent server, as they would AWS.
        let mut state = shared.state.lock().unwrap();
        let mut call = call;
        let outcome = answer(
            shared,
            &mut state,
            &mut call,
            &request,
            token_header.as_deref(),
        );
        let (status, body) = match outcome {
            Ok(body) => (200, body),
            Err(Refusal(status, kind, code, message)) => {
                call.error = Some(code.to_owned());
                (status, error_body(kind, code, &message))
            }
        };
        call.status = status;
        state.calls.push(call);
        (status, body)
    };
    Response::new(status, "text/xml", body)
        .header("x-amzn-RequestId", REQUEST_ID)
        .into()
}

/// Who signed: a long-term key or credentials this server issued.
enum Signer {
    LongTerm,
    Issued(Issued),
}

impl Signer {
    fn arn(&self) -> String {
        match self {
            Signer::LongTerm => USER_ARN.to_owned(),
            Signer::Issued(issued) => match &issued.principal {
                Principal::Session { .. } => USER_ARN.to_owned(),
                Principal::Role { arn, .. } => arn.clone(),
            },
        }
    }
}

fn answer(
    shared: &Shared,
    state: &mut State,
    call: &mut Call,
    request: &Request,
    token_header: Option<&str>,
) -> Result<String, Refusal> {
    let config = &shared.config;
    let path = request
        .target
        .split_once('?')
        .map_or(&*request.target, |(p, _)| p);
    if path.trim_end_matches('/') != shared.path {
        return Err(Refusal(
            404,
            "Sender",
            "NotFound",
            format!("{path} is not this server's endpoint ({})", shared.path),
        ));
    }
    let action = call.action.clone();
    if !matches!(
        action.as_str(),
        "GetSessionToken" | "AssumeRole" | "GetCallerIdentity" | "GetFederationToken"
    ) {
        return Err(Refusal(
            400,
            "Sender",
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
        ));
    }
    let signer = authenticate(config, state, call, request, token_header)?;
    match action.as_str() {
        "GetSessionToken" => get_session_token(config, state, call, &signer),
        "AssumeRole" => assume_role(config, state, call, &signer),
        "GetFederationToken" => federation_token(state, call, &signer),
        _ => Ok(caller_identity(&signer)),
    }
}

/// As AWS: the key must exist, then the signature verify with its secret, then the session
/// token match (and be unexpired) for issued credentials, or be absent for long-term keys.
fn authenticate(
    config: &Builder,
    state: &State,
    call: &mut Call,
    request: &Request,
    token_header: Option<&str>,
) -> Result<Signer, Refusal> {
    let invalid = || {
        Refusal(
            403,
            "Sender",
            "InvalidClientTokenId",
            "The security token included in the request is invalid.".into(),
        )
    };
    let Some(key_id) = call.key_id.clone() else {
        return Err(Refusal(
            403,
            "Sender",
            "MissingAuthenticationToken",
            "Request is missing Authentication Token".into(),
        ));
    };
    let long_term = config.long_term_keys.iter().find(|(k, _)| *k == key_id);
    let issued = state.issued.get(&key_id);
    let secret = match (long_term, issued) {
        (Some((_, secret)), _) => secret.as_str(),
        (None, Some(issued)) => issued.secret_access_key.as_str(),
        (None, None) => return Err(invalid()),
    };
    call.signature = sigv4::check(request, Some(secret));
    if let SignatureCheck::Refused(mismatch) = &call.signature {
        let (status, kind, code, message) = mismatch.aws_error();
        return Err(Refusal(status, kind, code, message));
    }
    if long_term.is_some() {
        // A session token beside a long-term key is not a valid request.
        return match token_header {
            None => Ok(Signer::LongTerm),
            Some(_) => Err(invalid()),
        };
    }
    let issued = issued.ok_or_else(invalid)?;
    if token_header != Some(issued.session_token.as_str()) {
        return Err(invalid());
    }
    if issued.expires_at <= now() {
        return Err(Refusal(
            400,
            "Sender",
            "ExpiredToken",
            "The security token included in the request is expired".into(),
        ));
    }
    Ok(Signer::Issued(issued.clone()))
}

/// Checks SerialNumber + TokenCode when either is present and consumes the code. Ok(true)
/// when a valid code came, Ok(false) when none did.
fn check_code(config: &Builder, state: &mut State, call: &Call) -> Result<bool, Refusal> {
    let (serial, code) = match (call.param("SerialNumber"), call.param("TokenCode")) {
        (None, None) => return Ok(false),
        (Some(serial), Some(code)) => (serial, code),
        _ => {
            return Err(Refusal::access_denied(
                "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
            ));
        }
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::validation(format!(
            "1 validation error detected: Value '{code}' at 'tokenCode' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\d]*"
        )));
    }
    if serial != config.mfa_serial {
        return Err(Refusal::access_denied(
            "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your \
             MFA serial number is valid and associated with this user.",
        ));
    }
    let key = (serial.to_owned(), code.to_owned());
    if state.used_codes.contains(&key) {
        return Err(Refusal::access_denied(INVALID_MFA_MESSAGE));
    }
    if let Some(seed) = &config.totp_seed
        && current_totp(seed) != code
    {
        return Err(Refusal::access_denied(INVALID_MFA_MESSAGE));
    }
    state.used_codes.insert(key);
    Ok(true)
}

fn duration(call: &Call, max: u64) -> Result<Option<u64>, Refusal> {
    let Some(text) = call.param("DurationSeconds") else {
        return Ok(None);
    };
    let seconds: u64 = text.parse().map_err(|_| {
        Refusal::validation(format!(
            "Value '{text}' for DurationSeconds is not a number"
        ))
    })?;
    if seconds < 900 {
        return Err(Refusal::validation(format!(
            "1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value greater than or equal to 900"
        )));
    }
    if seconds > max {
        return Err(Refusal::validation(format!(
            "1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to \
             satisfy constraint: Member must have value less than or equal to {max}"
        )));
    }
    Ok(Some(seconds))
}

fn get_session_token(
    config: &Builder,
    state: &mut State,
    call: &Call,
    signer: &Signer,
) -> Result<String, Refusal> {
    if let Signer::Issued(_) = signer {
        return Err(Refusal::access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let asked = duration(call, 129_600)?;
    let mfa = check_code(config, state, call)?;
    let lifetime = config.session_lifetime.or(asked).unwrap_or(43_200);
    let issued = issue(state, lifetime, Principal::Session { mfa });
    Ok(credentials_response("GetSessionToken", &issued, ""))
}

fn assume_role(
    config: &Builder,
    state: &mut State,
    call: &Call,
    signer: &Signer,
) -> Result<String, Refusal> {
    let role_arn = call
        .param("RoleArn")
        .ok_or_else(|| Refusal::validation("RoleArn is required"))?
        .to_owned();
    let session = call
        .param("RoleSessionName")
        .ok_or_else(|| Refusal::validation("RoleSessionName is required"))?
        .to_owned();
    let (account, role_name) = role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .map(|(account, path)| (account, path.rsplit('/').next().unwrap_or(path)))
        .ok_or_else(|| Refusal::validation(format!("{role_arn} is invalid (not a role ARN)")))?;
    let (account, role_name) = (account.to_owned(), role_name.to_owned());
    let asked = duration(call, 43_200)?;
    if matches!(signer, Signer::Issued(_)) && asked.is_some_and(|s| s > 3600) {
        return Err(Refusal::validation(CHAINING_MESSAGE));
    }
    let coded = check_code(config, state, call)?;
    let mfa_session = matches!(
        signer,
        Signer::Issued(Issued {
            principal: Principal::Session { mfa: true },
            ..
        })
    );
    if config.role_requires_mfa && !coded && !mfa_session {
        return Err(Refusal::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            signer.arn()
        )));
    }
    let lifetime = config.role_lifetime.or(asked).unwrap_or(3600);
    let role_id = format!("AROA{}", state.random.text(ID_ALPHABET, 17));
    let user_id = format!("{role_id}:{session}");
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}");
    let issued = issue(
        state,
        lifetime,
        Principal::Role {
            arn: arn.clone(),
            user_id: user_id.clone(),
        },
    );
    let user = format!(
        "<AssumedRoleUser>\n<AssumedRoleId>{}</AssumedRoleId>\n<Arn>{}</Arn>\n</AssumedRoleUser>\n",
        xml_escape(&user_id),
        xml_escape(&arn)
    );
    Ok(credentials_response("AssumeRole", &issued, &user))
}

/// As AWS: long-term keys only, a name, up to 36 hours; the federated user's credentials.
fn federation_token(state: &mut State, call: &Call, signer: &Signer) -> Result<String, Refusal> {
    if !matches!(signer, Signer::LongTerm) {
        return Err(Refusal::access_denied(
            "Cannot call GetFederationToken with session credentials",
        ));
    }
    let name = call
        .param("Name")
        .ok_or_else(|| Refusal::validation("Name is required"))?
        .to_owned();
    let lifetime = duration(call, 129_600)?.unwrap_or(43_200);
    let arn = format!("arn:aws:sts::{ACCOUNT}:federated-user/{name}");
    let user_id = format!("{ACCOUNT}:{name}");
    let issued = issue(
        state,
        lifetime,
        Principal::Role {
            arn: arn.clone(),
            user_id: user_id.clone(),
        },
    );
    let user = format!(
        "<FederatedUser>\n<FederatedUserId>{}</FederatedUserId>\n<Arn>{}</Arn>\n</FederatedUser>\n",
        xml_escape(&user_id),
        xml_escape(&arn)
    );
    Ok(credentials_response("GetFederationToken", &issued, &user))
}

fn caller_identity(signer: &Signer) -> String {
    let user_id = match signer {
        Signer::Issued(Issued {
            principal: Principal::Role { user_id, .. },
            ..
        }) => user_id.clone(),
        _ => USER_ID.to_owned(),
    };
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
         <GetCallerIdentityResult>\n\
         <Arn>{}</Arn>\n\
         <UserId>{}</UserId>\n\
         <Account>{ACCOUNT}</Account>\n\
         </GetCallerIdentityResult>\n\
         <ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>\n\
         </GetCallerIdentityResponse>\n",
        xml_escape(&signer.arn()),
        xml_escape(&user_id)
    )
}

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn issue(state: &mut State, lifetime: u64, principal: Principal) -> Issued {
    let expires_at = now() + lifetime;
    let issued = Issued {
        access_key_id: format!("ASIA{}", state.random.text(ID_ALPHABET, 16)),
        secret_access_key: state.random.text(BASE64_ALPHABET, 40),
        // Real tokens start like this and run to several hundred characters.
        session_token: format!(
            "IQoJb3JpZ2luX2VjE{}==",
            state.random.text(BASE64_ALPHABET, 340)
        ),
        expiration: rfc3339(expires_at),
        expires_at,
        principal,
    };
    state.issue_order.push(issued.access_key_id.clone());
    state
        .issued
        .insert(issued.access_key_id.clone(), issued.clone());
    issued
}

fn credentials_response(action: &str, issued: &Issued, extra: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
         <{action}Result>\n\
         {extra}\
         <Credentials>\n\
         <AccessKeyId>{}</AccessKeyId>\n\
         <SecretAccessKey>{}</SecretAccessKey>\n\
         <SessionToken>{}</SessionToken>\n\
         <Expiration>{}</Expiration>\n\
         </Credentials>\n\
         </{action}Result>\n\
         <ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>\n\
         </{action}Response>\n",
        xml_escape(&issued.access_key_id),
        xml_escape(&issued.secret_access_key),
        xml_escape(&issued.session_token),
        xml_escape(&issued.expiration),
    )
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs()
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (civil-from-days, proleptic Gregorian).
pub fn rfc3339(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fff]Z` (the inverse of [`rfc3339`]).
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 || !text.ends_with('Z') || b[10] != b'T' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()
}

/// The RFC 6238 code of `seed` now, from `oathtool --totp -b -` (the seed on stdin).
pub fn current_totp(seed: &str) -> String {
    let mut child = Command::new("oathtool")
        .args(["--totp", "-b", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("running oathtool (installed by scripts/test.sh)");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(seed.as_bytes())
        .expect("writing the seed to oathtool");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_string(&mut out)
        .expect("reading oathtool");
    assert!(child.wait().expect("waiting for oathtool").success());
    out.trim().to_owned()
}

/// Unpredictable enough for test credentials: SipHash with a random key over a counter.
struct Random {
    state: RandomState,
    counter: u64,
}

impl Random {
    fn new(salt: u16) -> Random {
        Random {
            state: RandomState::new(),
            counter: u64::from(salt) << 48,
        }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        let mut hasher = self.state.build_hasher();
        hasher.write_u64(self.counter);
        hasher.write_u64(now());
        hasher.finish()
    }

    fn text(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[(self.next() % alphabet.len() as u64) as usize]))
            .collect()
    }
}
