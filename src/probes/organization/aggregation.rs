//! Cross-region aggregation: which checked regions a finding aggregator links, read the way
//! `RegionLinkingMode` means it (`ALL_REGIONS_EXCEPT_SPECIFIED` lists the exclusions,
//! `SPECIFIED_REGIONS` the inclusions, `ALL_REGIONS` links every region, those enabled later
//! too, `NO_REGIONS` none), and so where each region's findings are read.

use super::reads::Aggregator;
use crate::aws::same_word;
use crate::domain::Region;

/// Whether the aggregator gathers `region`'s findings (its own region always).
pub fn links(aggregator: &Aggregator, region: Region) -> bool {
    if aggregator.region == region.name() {
        return true;
    }
    let listed = aggregator.regions.iter().any(|r| r == region.name());
    let mode = aggregator.linking_mode.as_str();
    if same_word(mode, "ALL_REGIONS") {
        true
    } else if same_word(mode, "ALL_REGIONS_EXCEPT_SPECIFIED") {
        !listed
    } else if same_word(mode, "SPECIFIED_REGIONS") {
        listed
    } else {
        // NO_REGIONS, or a mode this version does not know: nothing is assumed linked, so the
        // region's findings are read where they arise.
        false
    }
}

/// Where the findings of `region` are read: the aggregation region when linked, else the
/// region itself.
pub fn read_in(aggregator: Option<&Aggregator>, region: Region) -> Region {
    aggregator
        .filter(|aggregator| links(aggregator, region))
        .and_then(|aggregator| Region::reported(&aggregator.region, region.partition()))
        .unwrap_or(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aggregator(mode: &str, regions: &[&str]) -> Aggregator {
        Aggregator {
            region: "us-east-1".into(),
            linking_mode: mode.into(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn each_linking_mode_reads_its_region_list_its_own_way() {
        let eu = Region::parse("eu-west-1").unwrap();
        let us = Region::parse("us-east-1").unwrap();
        let ap = Region::parse("ap-southeast-2").unwrap();
        let except = aggregator("ALL_REGIONS_EXCEPT_SPECIFIED", &["eu-west-1"]);
        assert!(!links(&except, eu));
        assert!(links(&except, ap));
        let specified = aggregator("SPECIFIED_REGIONS", &["eu-west-1"]);
        assert!(links(&specified, eu));
        assert!(!links(&specified, ap));
        assert!(links(&aggregator("ALL_REGIONS", &[]), ap));
        assert!(!links(&aggregator("NO_REGIONS", &[]), ap));
        // The aggregation region gathers its own findings whatever the mode.
        assert!(links(&aggregator("NO_REGIONS", &[]), us));
        assert!(links(&aggregator("all_regions", &[]), eu));
    }
}
