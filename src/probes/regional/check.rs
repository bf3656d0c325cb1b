//! What a regional check is: one unit that owns its id, its calls, its words and its findings.
//! The regional loop walks the list of them and never names one.

use futures::future::BoxFuture;

use crate::domain::{CheckId, Region};
use crate::probes::context::ProbeContext;
use crate::probes::report::Report;

/// What every regional check is told once they have all run: which regions were checked, which
/// were found disabled (by AWS's list or by any check's calls) and which the caller named.
pub struct Regions<'a> {
    /// The regions checked, in order.
    pub checked: &'a [Region],
    /// The checked regions that are not enabled for the account.
    pub disabled: &'a [Region],
    /// The regions the caller named (a service off there is a warning, elsewhere info).
    pub named: &'a [Region],
}

impl Regions<'_> {
    /// Whether `region` is disabled for the account.
    pub fn is_disabled(&self, region: Region) -> bool {
        self.disabled.contains(&region)
    }
}

/// A check that looks at the checked regions.
pub trait RegionalCheck: Sync {
    /// Its id (and so the connections that need it).
    fn id(&self) -> CheckId;

    /// Runs it in `regions`, every AWS call through `ctx`.
    fn run<'a>(
        &'a self,
        ctx: &'a ProbeContext<'a>,
        regions: &'a [Region],
    ) -> BoxFuture<'a, Box<dyn Ran + Send + 'a>>;
}

/// What a regional check saw, before it knows which regions the other checks found disabled.
pub trait Ran {
    /// The regions whose calls said they are not enabled for the account.
    fn disabled(&self) -> Vec<Region>;

    /// Writes its state of each region into the report's region statuses, and its checks and
    /// findings into the report.
    fn conclude(self: Box<Self>, regions: &Regions<'_>, report: &mut Report);
}
