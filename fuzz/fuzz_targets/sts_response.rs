//! An STS answer: any status and body give credentials or a clean error, never a panic;
//! the error carries no control character and never the source secret key.
#![no_main]
use aws_auth::credentials::SourceCredentials;
use aws_auth::sts::client::SdkSts;
use aws_auth::sts::{Call, Endpoint, Sts};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use std::time::Duration;

#[path = "common.rs"]
mod common;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+FuzzSourceSecret";

/// Answers every request with the fuzzed status and body.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    body: Vec<u8>,
}

impl HttpConnector for Canned {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let status =
            StatusCode::try_from(self.status).unwrap_or(StatusCode::try_from(200).unwrap());
        HttpConnectorFuture::ready(Ok(HttpResponse::new(
            status,
            SdkBody::from(self.body.clone()),
        )))
    }
}

impl HttpClient for Canned {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from(data[0]) * 2 % 500;
    let body = data[1..].to_vec();
    let sts = SdkSts::new(
        Endpoint {
            region: "us-east-1".into(),
            url: Some("http://127.0.0.1:9".into()),
            timeout: Duration::from_secs(5),
        },
        Some(SharedHttpClient::new(Canned { status, body })),
    );
    let source = SourceCredentials {
        access_key_id: "AKIAFUZZFUZZFUZZFUZZ".into(),
        secret_access_key: SecretString::from(SECRET),
        session_token: None,
    };
    let call = Call::SessionToken {
        duration_seconds: 3600,
        mfa: None,
    };
    if let Err(e) = sts.call(&source, &call) {
        let message = e.to_string();
        assert!(!message.contains(SECRET), "{message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
});
