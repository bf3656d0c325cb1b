//! API tests: the real app on port 0 against real peers (moto, a scripted fake AWS, Chromium).

#[path = "../fixtures/aws_error_codes.rs"]
mod aws_error_fixture;
mod aws_error_mapping;
mod bad_input;
mod cache;
mod catalogue_routes;
mod command_line;
mod coverage_page;
mod explorer;
mod external_id;
mod failed_logins;
mod fairness;
mod faults;
mod front_door;
mod health;
mod helpers;
mod hygiene;
mod identity;
mod identity_failures;
mod input_rules;
mod load;
mod metrics;
mod observed;
mod openapi_drift;
mod organization_scale;
mod permissions;
mod prometheus;
mod regional;
mod regional_faults;
mod replicas;
mod reports;
mod scenarios;
