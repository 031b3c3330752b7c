//! What a run's scope adds to AssumeRole and GetFederationToken requests: the inline and
//! managed session policies (ReadOnlyAccess in the region's partition), the tags, and for
//! AssumeRole the transitive tag keys and the source identity.

use crate::settings::scope::Scope;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};

/// The managed policies, as the SDK takes them (`None`: no parameter at all).
pub(super) fn policy_arns(scope: &Scope, region: &str) -> Option<Vec<PolicyDescriptorType>> {
    let arns = scope.managed(super::partition(region));
    (!arns.is_empty()).then(|| {
        arns.into_iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect()
    })
}

/// The tags, as the SDK takes them (`None`: no parameter at all). A tag the SDK's builder
/// refuses (it needs a key and a value, which every tag has) fails the request with why.
pub(super) fn tags(scope: &Scope) -> Result<Option<Vec<Tag>>, String> {
    if scope.tags.is_empty() {
        return Ok(None);
    }
    scope
        .tags
        .iter()
        .map(|(key, value)| {
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| format!("tag {key:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The transitive tag keys (`None`: no parameter).
pub(super) fn transitive(scope: &Scope) -> Option<Vec<String>> {
    (!scope.transitive_tags.is_empty()).then(|| scope.transitive_tags.clone())
}
