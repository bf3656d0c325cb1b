//! API tests: the real app on port 0 against real peers (moto, a scripted fake AWS, Chromium).

mod bad_input;
mod explorer;
mod health;
mod helpers;
mod identity;
mod openapi_drift;
