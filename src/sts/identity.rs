//! GetCallerIdentity, for `aws-auth doctor`: whether STS is reachable and the keys are valid,
//! and how far the local clock is from the server's (its `Date` header). It needs no MFA
//! code and consumes none, and it is never part of the credentials flow.

use crate::credentials::SourceCredentials;
use crate::sts::StsError;
use crate::sts::client::SdkSts;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::{DateTime, Format};
use std::sync::{Arc, Mutex};

/// Who the keys belong to, and the server's clock when it answered.
pub struct Identity {
    pub arn: String,
    pub account: String,
    /// From the response's `Date` header, in seconds since the epoch, if it had one.
    pub server_time: Option<i64>,
}

/// Keeps the `Date` header of the response.
#[derive(Debug, Clone, Default)]
struct DateHeader(Arc<Mutex<Option<String>>>);

impl Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "DateHeader"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(date.to_owned());
        }
        Ok(())
    }
}

/// Seconds since the epoch of an HTTP date ("Tue, 01 Dec 2026 19:30:00 GMT").
pub fn parse_http_date(text: &str) -> Option<i64> {
    DateTime::from_str(text.trim(), Format::HttpDate)
        .ok()
        .map(|d| d.secs())
}

impl SdkSts {
    /// GetCallerIdentity signed with `source` (retried on throttling and 5xx: no code).
    pub fn caller_identity(&self, source: &SourceCredentials) -> Result<Identity, StsError> {
        let fail = |kind| {
            StsError::of("GetCallerIdentity", &self.shown_endpoint(), kind).signed_with(source)
        };
        let client = self.client(source, true);
        let date = DateHeader::default();
        let output = self.block_on(
            fail,
            client
                .get_caller_identity()
                .customize()
                .interceptor(date.clone())
                .send(),
        )?;
        let server_time = date
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            .and_then(parse_http_date);
        Ok(Identity {
            arn: output.arn.unwrap_or_default(),
            account: output.account.unwrap_or_default(),
            server_time,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates_parse() {
        assert_eq!(
            super::parse_http_date("Tue, 01 Dec 2026 19:30:00 GMT"),
            Some(1_796_153_400)
        );
        assert_eq!(super::parse_http_date("yesterday"), None);
    }
}
