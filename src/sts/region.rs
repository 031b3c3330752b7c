//! What a region name tells: its partition (as ARNs name it), and whether a name that no
//! STS endpoint answers to is shaped like a region at all.

/// When a name lookup failed for an AWS STS endpoint whose region is not shaped like one
/// (`eu-west1`): the region is named as the likely cause, not the network.
pub(super) fn unknown_region(endpoint: &str, detail: &str) -> Option<String> {
    // hyper's resolver: "dns error: failed to lookup address information: ...".
    let detail = detail.to_ascii_lowercase();
    if !(detail.contains("dns error") || detail.contains("failed to lookup address")) {
        return None;
    }
    let host = endpoint
        .strip_prefix("https://")?
        .split(['/', ':'])
        .next()?;
    let region = host
        .strip_prefix("sts.")?
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_prefix("sts.")?.strip_suffix(".amazonaws.com.cn"))?;
    let parts: Vec<&str> = region.split('-').collect();
    let shaped = parts.len() >= 3
        && parts[0].len() == 2
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    (!shaped).then(|| {
        format!(
            "No STS endpoint has that name: is the region \"{region}\" right? Regions look like eu-west-1 \
             (set with --region, AWS_REGION or the profile's region)."
        )
    })
}

/// The partition a region is in, as ARNs name it.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}
