//! Signed links to report pages: `/reports/{id}?exp=<unix seconds>&sig=<hex>`, an HMAC-SHA256
//! of the id and the expiry under `--report-link-secret`. The link is the capability to read one
//! diagnosis until its report's retention ends: the page is not behind the bearer guard, and the
//! signature is checked before the id is looked up.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::Secret;

/// Signs and checks report links; the same secret on every replica.
#[derive(Clone)]
pub struct ReportLinks {
    secret: Secret,
}

impl ReportLinks {
    /// Links signed with `secret`, else a random secret of this process, with a warning when
    /// replicas share a store (a link made by one would not open on another).
    pub fn new(secret: Option<&Secret>, shared_store: bool) -> Self {
        let secret = match secret {
            Some(secret) => secret.clone(),
            None => {
                if shared_store {
                    tracing::warn!(
                        "no --report-link-secret: using a random one, so a report link opens only on the replica that made it"
                    );
                }
                Secret::new(hex::encode(rand::random::<[u8; 32]>()))
            }
        };
        Self { secret }
    }

    /// The link to report `id`, valid until `expires`.
    pub fn link(&self, id: &str, expires: DateTime<Utc>) -> String {
        let exp = expires.timestamp().to_string();
        let sig = hex::encode(self.mac(id, &exp).finalize().into_bytes());
        format!("/reports/{id}?exp={exp}&sig={sig}")
    }

    /// Whether `sig` signs `id` and `exp`, and `exp` is not past at `now`. Constant-time in
    /// the signature.
    pub fn verify(&self, id: &str, exp: &str, sig: &str, now: DateTime<Utc>) -> bool {
        let Ok(expires) = exp.parse::<i64>() else {
            return false;
        };
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        self.mac(id, exp).verify_slice(&sig).is_ok() && expires > now.timestamp()
    }

    fn mac(&self, id: &str, exp: &str) -> Hmac<Sha256> {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes()) else {
            unreachable!("HMAC accepts keys of any length")
        };
        for field in [b"report".as_slice(), id.as_bytes(), exp.as_bytes()] {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn parts(link: &str) -> (String, String, String) {
        let (path, query) = link.split_once('?').unwrap();
        let id = path.strip_prefix("/reports/").unwrap().to_owned();
        let mut exp = String::new();
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("exp", value) => value.clone_into(&mut exp),
                ("sig", value) => value.clone_into(&mut sig),
                _ => panic!("{pair}"),
            }
        }
        (id, exp, sig)
    }

    #[test]
    fn a_link_opens_until_it_expires_and_only_as_signed() {
        let links = ReportLinks::new(Some(&Secret::new("s3cret".to_owned())), false);
        let now = Utc::now();
        let (id, exp, sig) = parts(&links.link("dgn_1", now + TimeDelta::hours(1)));
        assert!(links.verify(&id, &exp, &sig, now));
        assert!(!links.verify("dgn_2", &exp, &sig, now), "another id");
        let later = (now + TimeDelta::hours(2)).timestamp().to_string();
        assert!(!links.verify(&id, &later, &sig, now), "another expiry");
        assert!(
            !links.verify(&id, &exp, &sig, now + TimeDelta::hours(2)),
            "expired"
        );
        assert!(!links.verify(&id, &exp, "zz", now), "not hex");
        let other = ReportLinks::new(Some(&Secret::new("other".to_owned())), false);
        assert!(!other.verify(&id, &exp, &sig, now), "another secret");
    }
}
