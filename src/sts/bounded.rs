//! A bound on the size of an STS answer: a hostile plain-http endpoint or proxy could
//! otherwise stream an endless body into memory until the time-out. A real answer is a few
//! kilobytes. Wired into every STS client as an interceptor of the SDK.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

/// The largest answer read (AWS's are under 4 KiB; a session policy can make them longer).
pub const MAX_RESPONSE: usize = 256 * 1024;

/// Wraps each response body so that reading past `MAX_RESPONSE` bytes fails.
#[derive(Debug)]
pub struct BoundedResponse;

impl Intercept for BoundedResponse {
    fn name(&self) -> &'static str {
        "BoundedResponse"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let body = response.take_body();
        *response.body_mut() =
            SdkBody::from_body_1_x(http_body_util::Limited::new(body, MAX_RESPONSE));
        Ok(())
    }
}
