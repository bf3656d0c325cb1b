//! The command line's subcommands and flags (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::service::UncachedSettings;

/// The tools of the binary; the service itself is `serve` (the default), read by `config`.
#[derive(Debug, Parser)]
#[command(
    name = "connector-doctor",
    version,
    about = "Diagnoses AWS connectors of a security portal: why a connector works or not, and how to fix it."
)]
pub struct Tool {
    /// What to do.
    #[command(subcommand)]
    pub command: ToolCommand,
}

/// The subcommands besides `serve`.
#[derive(Debug, Subcommand)]
pub enum ToolCommand {
    /// Run one diagnosis on this machine with the AWS SDK's credential chain (environment,
    /// shared config and credentials files, profiles, SSO, process credentials). Exit status:
    /// 0 healthy, 1 degraded, 2 unhealthy, 3 no diagnosis possible, 64 usage, 70 internal.
    Diagnose(Box<DiagnoseArgs>),
    /// Print the catalogue entries that explain an error text, best first (exit 1 when none does).
    Explain(ExplainArgs),
    /// Decide one request with the service's IAM policy evaluator, from a principal's identity
    /// policies and permissions boundary, and say why (which statement of which policy decided,
    /// which condition could not be decided). Exit status: 0 evaluated (whatever the decision),
    /// 64 usage (an unreadable file included), 65 a policy or request that is not valid.
    Evaluate(EvaluateArgs),
}

/// How the diagnosis is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// A report for people (colour on a terminal, never with `NO_COLOR`).
    Text,
    /// A Diagnosis of the API's schema.
    Json,
}

/// `connector-doctor diagnose`.
#[derive(Debug, Args)]
#[command(
    after_help = "AWS endpoints: like the AWS SDKs, diagnose sends a service's calls to \
    AWS_ENDPOINT_URL_<SERVICE> (the SDKs' service id in upper case, spaces as _: \
    AWS_ENDPOINT_URL_STS, _IAM, _CLOUDTRAIL, _SECURITYHUB, _CONFIG_SERVICE, _S3, _CLOUDWATCH, \
    _ACCOUNT), else to AWS_ENDPOINT_URL, else to AWS; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true \
    ignores them. --aws-endpoint-url wins over them all."
)]
pub struct DiagnoseArgs {
    /// Regions to check, comma-separated. [default: the account's enabled regions]
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Connections to check, comma-separated: security_auditing, security_configuration. [default: both]
    #[arg(long, value_delimiter = ',')]
    pub connections: Vec<String>,

    /// A role to assume first (with the chain's credentials).
    #[arg(long)]
    pub role_arn: Option<String>,

    /// The external id the role's trust policy requires.
    #[arg(long, requires = "role_arn")]
    pub external_id: Option<String>,

    /// The profile of the shared config and credentials files. [default: AWS_PROFILE, else `default`]
    #[arg(long)]
    pub profile: Option<String>,

    /// How to print the diagnosis.
    #[arg(long, value_enum, default_value = "text")]
    pub output: Output,

    /// The AWS clients and the probe engine.
    #[command(flatten)]
    pub engine: UncachedSettings,
}

/// `connector-doctor explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The error text, as the portal or AWS showed it (several words are joined).
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
}

/// `connector-doctor evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// An identity policy document (JSON, plain or percent-encoded as IAM returns it); repeat
    /// for each inline, managed and group policy of the principal.
    #[arg(
        long = "policy",
        value_name = "FILE",
        required_unless_present = "jsonl"
    )]
    pub policies: Vec<PathBuf>,

    /// The principal's permissions boundary.
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,

    /// The action, e.g. `s3:GetObject`.
    #[arg(long, required_unless_present = "jsonl")]
    pub action: Option<String>,

    /// The resource ARN, or `*`.
    #[arg(long, value_name = "ARN", required_unless_present = "jsonl")]
    pub resource: Option<String>,

    /// A condition key's value in the request, `KEY=VALUE`; a key given several times is a
    /// multivalued key with those values. A key neither given nor `--absent` is unknown: a
    /// condition on it cannot be decided (`Null` and `...IfExists`, which test absence, take it
    /// as absent, as the service does).
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = key_value)]
    pub context: Vec<(String, String)>,

    /// A condition key the request is known not to carry.
    #[arg(long = "absent", value_name = "KEY")]
    pub absent: Vec<String>,

    /// Read requests from standard input, one JSON object a line
    /// (`{"id", "identity_policies", "boundary", "action", "resource", "context", "absent"}`),
    /// and write one JSON line each (`{"id", "decision", "denied_by", "explanation",
    /// "undecided"}`, or `{"id", "error"}` for a malformed line). Exit status: 0 every line
    /// evaluated, 65 some were malformed.
    #[arg(long, conflicts_with_all = ["policies", "boundary", "action", "resource", "context", "absent"])]
    pub jsonl: bool,
}

/// Parses `KEY=VALUE` (the value may contain `=`; the key may not be empty).
fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}
