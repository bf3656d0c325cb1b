//! Regional checks that judge each region on its own (Security Hub, AWS Config): each says what
//! one region's probe is and what its words mean; the per-region checks, the severity of a
//! service that is off, and the disabled regions are decided here, once for all of them.

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};

use super::check::{Ran, RegionalCheck, Regions};
use super::outcome::{Answers, RegionOutcome};
use crate::domain::{
    Check, CheckId, CheckStatus, Code, Finding, Region, RegionState, RegionStatus, Severity,
};
use crate::probes::context::ProbeContext;
use crate::probes::explain::{FindingExt, finding};
use crate::probes::report::{Report, elapsed_ms};

/// A regional check whose regions are probed and judged one by one.
pub trait RegionByRegion: Sync {
    /// Its own state words.
    type Words: Answers + PartialEq + Send;
    /// What a region's probe adds besides its state, judged across the regions.
    type Extra: Send;

    /// Its id.
    const ID: CheckId;
    /// The service's name in sentences ("Security Hub").
    const NAME: &'static str;

    /// Probes one region.
    fn probe<'a>(
        ctx: &'a ProbeContext<'a>,
        region: Region,
    ) -> BoxFuture<'a, (RegionOutcome<Self::Words>, Self::Extra)>;

    /// The finding of a region where the service is off, if the state says it is off.
    fn off(state: RegionState<Self::Words>) -> Option<Code>;

    /// The check status of a state.
    fn status(state: RegionState<Self::Words>) -> CheckStatus;

    /// A finding about all regions together, from what each region's probe added.
    fn across(extras: &[Self::Extra]) -> Option<Finding>;

    /// Its column in a region's status.
    fn column(status: &mut RegionStatus) -> &mut RegionState<Self::Words>;
}

impl<C: RegionByRegion> RegionalCheck for C {
    fn id(&self) -> CheckId {
        C::ID
    }

    fn run<'a>(
        &'a self,
        ctx: &'a ProbeContext<'a>,
        regions: &'a [Region],
    ) -> BoxFuture<'a, Box<dyn Ran + Send + 'a>> {
        async move {
            let probed = join_all(regions.iter().map(|&region| C::probe(ctx, region))).await;
            let (outcomes, extras) = probed.into_iter().unzip();
            Box::new(ByRegion::<C> { outcomes, extras }) as Box<dyn Ran + Send + 'a>
        }
        .boxed()
    }
}

/// What a region-by-region check saw.
struct ByRegion<C: RegionByRegion> {
    outcomes: Vec<RegionOutcome<C::Words>>,
    extras: Vec<C::Extra>,
}

impl<C: RegionByRegion> Ran for ByRegion<C> {
    fn disabled(&self) -> Vec<Region> {
        self.outcomes
            .iter()
            .filter(|o| o.state == <C::Words as Answers>::DISABLED)
            .map(|o| o.region)
            .collect()
    }

    /// Per-region checks and findings, with the contract's severity rules for a service that is
    /// off: `warning` in a region the caller named, `info` in a default region, `error` when it
    /// is off in every checked region.
    fn conclude(self: Box<Self>, regions: &Regions<'_>, report: &mut Report) {
        for &region in regions.checked {
            let probed = self.outcomes.iter().find(|o| o.region == region);
            let state = match (regions.is_disabled(region), probed) {
                (true, _) => <C::Words as Answers>::DISABLED,
                (false, Some(outcome)) => outcome.state,
                (false, None) => RegionState::Skipped,
            };
            *C::column(report.regions.entry(region.name().to_owned()).or_default()) = state;
        }
        let usable: Vec<&RegionOutcome<C::Words>> = self
            .outcomes
            .iter()
            .filter(|o| !regions.is_disabled(o.region))
            .collect();
        let off_everywhere = !usable.is_empty() && usable.iter().all(|o| C::off(o.state).is_some());
        for outcome in &self.outcomes {
            let region = outcome.region;
            if regions.is_disabled(region) {
                report.checks.push(Check {
                    id: C::ID,
                    status: CheckStatus::Skipped,
                    region: Some(region.name().to_owned()),
                    duration_ms: 0,
                    summary: format!("{region} is disabled for this account."),
                });
                continue;
            }
            if let Some(code) = C::off(outcome.state) {
                let severity = if off_everywhere {
                    Severity::Error
                } else if regions.named.contains(&region) {
                    Severity::Warning
                } else {
                    Severity::Info
                };
                report.finding(
                    finding(code, C::ID, format!("{} is off in {region}.", C::NAME))
                        .in_region(region)
                        .with_severity(severity),
                );
            }
            report.checks.push(region_check::<C>(outcome));
            report.findings.extend(outcome.findings.iter().cloned());
        }
        report.findings.extend(C::across(&self.extras));
    }
}

/// The check of one region: its status from the state (a pass with findings is a warning) and a
/// summary with the probe's notes.
fn region_check<C: RegionByRegion>(outcome: &RegionOutcome<C::Words>) -> Check {
    let region = outcome.region;
    let mut status = C::status(outcome.state);
    if status == CheckStatus::Pass && !outcome.findings.is_empty() {
        status = CheckStatus::Warn;
    }
    let mut summary = format!("{} in {region}: {}", C::NAME, outcome.state.word());
    if !outcome.notes.is_empty() {
        summary = format!("{summary} ({})", outcome.notes.join(", "));
    }
    Check {
        id: C::ID,
        status,
        region: Some(region.name().to_owned()),
        duration_ms: elapsed_ms(outcome.started),
        summary: format!("{summary}."),
    }
}
