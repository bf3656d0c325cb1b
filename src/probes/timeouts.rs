//! Past the deadline every pending call times out: one `AWS_TIMEOUT` finding per check and
//! region says so, listing the calls, instead of one per call.

use std::collections::BTreeMap;

use crate::domain::{CheckId, Code, Finding};

/// One `AWS_TIMEOUT` finding per check and region, listing the calls that did not finish: past
/// the deadline every pending call times out, and a finding per call (70 in one diagnosis under
/// load) buried what the diagnosis did find.
pub fn one_timeout_per_check_and_region(findings: Vec<Finding>) -> Vec<Finding> {
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut calls: BTreeMap<(CheckId, Option<String>), Vec<String>> = BTreeMap::new();
    for finding in findings {
        if finding.code != Code::AwsTimeout {
            kept.push(finding);
            continue;
        }
        let key = (finding.check, finding.region.clone());
        let call = finding.aws_error.as_ref().map_or_else(
            || finding.detail.clone(),
            |error| format!("{}:{}", error.service, error.operation),
        );
        let known = calls.contains_key(&key);
        calls.entry(key).or_default().push(call);
        if !known {
            kept.push(finding);
        }
    }
    for finding in kept.iter_mut().filter(|f| f.code == Code::AwsTimeout) {
        let key = (finding.check, finding.region.clone());
        if let Some(calls) = calls.get(&key).filter(|calls| calls.len() > 1) {
            finding.detail = format!(
                "{} AWS calls did not finish in time: {}.",
                calls.len(),
                calls.join(", ")
            );
        }
    }
    kept
}
