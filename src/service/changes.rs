//! What changed in a connector since its previous fresh diagnosis.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{Changes, Decision, Diagnosis, FindingKey, PermissionChange, StatusChange};

/// What changed from `previous` to `current`.
pub fn between(previous: &Diagnosis, current: &Diagnosis) -> Changes {
    let keys = |diagnosis: &Diagnosis| -> BTreeSet<FindingKey> {
        diagnosis
            .findings
            .iter()
            .map(|f| FindingKey {
                code: f.code,
                region: f.region.clone(),
            })
            .collect()
    };
    let (then, now) = (keys(previous), keys(current));
    let decisions_then: BTreeMap<&str, Decision> = previous
        .permissions
        .iter()
        .map(|p| (p.action.as_str(), p.decision))
        .collect();
    let permissions_changed = current
        .permissions
        .iter()
        .filter_map(|p| {
            let from = *decisions_then.get(p.action.as_str())?;
            (from != p.decision).then(|| PermissionChange {
                action: p.action.clone(),
                from,
                to: p.decision,
            })
        })
        .collect();
    Changes {
        previous_id: previous.id.clone(),
        status: StatusChange {
            from: previous.status,
            to: current.status,
        },
        findings_added: now.difference(&then).cloned().collect(),
        findings_resolved: then.difference(&now).cloned().collect(),
        permissions_changed,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{
        CheckId, Code, Decision, Finding, FindingKey, HealthStatus, PermissionVerdict, Severity,
        VerdictMethod,
    };

    fn finding(code: Code, region: Option<&str>) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            check: CheckId::Permissions,
            region: region.map(str::to_owned),
            title: String::new(),
            detail: String::new(),
            resolution: Vec::new(),
            docs: Vec::new(),
            aws_error: None,
            connections: None,
        }
    }

    fn verdict(action: &str, decision: Decision) -> PermissionVerdict {
        PermissionVerdict::new(action, decision, VerdictMethod::Simulation).with_scp_visible(true)
    }

    fn diagnosis(
        id: &str,
        findings: Vec<Finding>,
        permissions: Vec<PermissionVerdict>,
    ) -> Diagnosis {
        let json = serde_json::json!({
            "id": id, "connector_id": "c", "status": "healthy", "checked_at": Utc::now(),
            "duration_ms": 1, "cached": false, "expires_at": null, "identity": null,
            "regions_checked": [], "regions_source": null, "connections": {}, "checks": [],
            "permissions": [], "regions": {}, "findings": [], "remediation_policy": null,
        });
        let mut diagnosis: Diagnosis = serde_json::from_value(json).unwrap();
        diagnosis.findings = findings;
        diagnosis.permissions = permissions;
        diagnosis
    }

    #[test]
    fn findings_compare_by_code_and_region_and_permissions_by_decision() {
        let before = diagnosis(
            "dgn_a",
            vec![
                finding(Code::SecurityHubNotEnabled, Some("eu-west-1")),
                finding(Code::CloudtrailNoTrail, None),
            ],
            vec![
                verdict("s3:PutBucketAcl", Decision::Allowed),
                verdict("iam:GetUser", Decision::Allowed),
            ],
        );
        let mut after = diagnosis(
            "dgn_b",
            vec![
                finding(Code::SecurityHubNotEnabled, Some("us-east-1")),
                finding(Code::CloudtrailNoTrail, None),
            ],
            vec![
                verdict("s3:PutBucketAcl", Decision::ImplicitDeny),
                verdict("iam:GetUser", Decision::Allowed),
            ],
        );
        after.status = HealthStatus::Unhealthy;
        let changes = between(&before, &after);
        assert_eq!(changes.previous_id, "dgn_a");
        assert_eq!(changes.status.to, HealthStatus::Unhealthy);
        let region = |k: &FindingKey| k.region.clone();
        assert_eq!(
            changes
                .findings_added
                .iter()
                .map(region)
                .collect::<Vec<_>>(),
            [Some("us-east-1".to_owned())]
        );
        assert_eq!(
            changes
                .findings_resolved
                .iter()
                .map(region)
                .collect::<Vec<_>>(),
            [Some("eu-west-1".to_owned())]
        );
        assert_eq!(changes.permissions_changed.len(), 1);
        assert_eq!(changes.permissions_changed[0].to, Decision::ImplicitDeny);
    }
}
