//! `avstem profile add|list|test|remove`: keys go into the OS keyring and never come back out.

use crate::sayln;
use avstem_core::context::Context;
use avstem_core::profile::{self, NewProfile, Profile, ProfileKind};
use avstem_core::secrets::{self, Secret, SecretKind};
use avstem_core::{Error, Result};

#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// Add (or replace) a profile. Secrets are read from AVSTEM_CLIENT_SECRET / AVSTEM_SUBSCRIPTION_KEY
    /// when set, otherwise asked for on the terminal without echo, and stored in the OS keyring.
    Add {
        name: String,
        #[arg(long, value_parser = parse_kind())]
        kind: ProfileKind,
        #[arg(long)]
        client_id: String,
        /// Merchant serial number (merchant keys only; optional).
        #[arg(long)]
        msn: Option<String>,
        /// Report API address (default: production, https://api.vipps.no).
        #[arg(long)]
        base_url: Option<String>,
        /// Store no secrets: read AVSTEM_CLIENT_SECRET / AVSTEM_SUBSCRIPTION_KEY at every run (for scheduled jobs).
        #[arg(long)]
        env_secrets: bool,
    },
    /// List the profiles (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Get a token and count the ledgers: says plainly whether the keys work.
    Test { name: String },
    /// Remove a profile and its keyring entries (the cache is kept).
    Remove { name: String },
}

pub async fn run(ctx: &Context, cmd: &ProfileCommand) -> Result<i32> {
    match cmd {
        ProfileCommand::Add {
            name,
            kind,
            client_id,
            msn,
            base_url,
            env_secrets,
        } => {
            let mut new = NewProfile {
                name: name.clone(),
                kind: *kind,
                client_id: client_id.clone(),
                msn: msn.clone(),
                base_url: base_url.clone(),
                env_secrets: *env_secrets,
                client_secret: None,
                subscription_key: None,
            };
            new.profile()?; // validate before asking for secrets
            if !env_secrets {
                new.client_secret = Some(read_secret(SecretKind::ClientSecret, "Client secret")?);
                if *kind == ProfileKind::Merchant {
                    new.subscription_key = Some(read_secret(
                        SecretKind::SubscriptionKey,
                        "Subscription key (Ocp-Apim-Subscription-Key)",
                    )?);
                }
            }
            let p = profile::add_profile(&ctx.data_dir, &new, ctx.secrets())?;
            if p.env_secrets {
                sayln!(
                    "Profile \"{}\" saved. It reads its secrets from the environment at every run.",
                    p.name
                )?;
            } else {
                sayln!("Profile \"{}\" saved; its secrets are in the OS keyring.", p.name)?;
            }
            sayln!("Check the keys with: avstem profile test {}", p.name)?;
            Ok(0)
        }
        ProfileCommand::List { json } => {
            let book = ctx.profiles()?;
            if *json {
                let out =
                    serde_json::to_string_pretty(&book.profiles).map_err(|e| Error::Io(e.to_string()))?;
                sayln!("{out}")?;
            } else if book.profiles.is_empty() {
                sayln!(
                    "No profiles yet. Add one with `avstem profile add NAME --kind merchant --client-id ID`,"
                )?;
                sayln!("or try the built-in demo: `avstem ledgers --profile demo`.")?;
            } else {
                sayln!(
                    "{:<20} {:<9} {:<24} {:<10} ADDRESS",
                    "NAME",
                    "KIND",
                    "CLIENT ID",
                    "SECRETS"
                )?;
                for p in &book.profiles {
                    sayln!(
                        "{:<20} {:<9} {:<24} {:<10} {}",
                        p.name,
                        kind_name(p),
                        p.client_id,
                        if p.env_secrets { "env" } else { "keyring" },
                        p.base_url
                    )?;
                }
            }
            Ok(0)
        }
        ProfileCommand::Test { name } => {
            let (profile, client) = ctx.client_for(name).await?;
            let ledgers = client.ledgers(None).await?;
            sayln!(
                "The keys of profile \"{}\" work: a token was issued and {} ledger{} {} visible.",
                profile.name,
                ledgers.len(),
                if ledgers.len() == 1 { "" } else { "s" },
                if ledgers.len() == 1 { "is" } else { "are" }
            )?;
            if ledgers.is_empty() {
                sayln!(
                    "No ledgers are visible: the merchant may not have granted access to these keys yet."
                )?;
            }
            Ok(0)
        }
        ProfileCommand::Remove { name } => {
            let p = profile::remove_profile(&ctx.data_dir, name, ctx.secrets())?;
            sayln!(
                "Profile \"{}\" removed, with its keyring entries. The cache is kept.",
                p.name
            )?;
            Ok(0)
        }
    }
}

fn kind_name(p: &Profile) -> &'static str {
    match p.kind {
        ProfileKind::Merchant => "merchant",
        ProfileKind::Accounting => "accounting",
        ProfileKind::Files => "files (no keys)",
    }
}

/// `--kind merchant|accounting` (`partner`, the old name, is still accepted), listed in `--help`.
fn parse_kind() -> impl clap::builder::TypedValueParser<Value = ProfileKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new([
        clap::builder::PossibleValue::new("merchant").help("a business's own keys (one sales unit, MSN)"),
        clap::builder::PossibleValue::new("accounting")
            .help("accounting keys: an accounting partner's, or a Donations organisation's")
            .alias("partner"),
    ])
    .map(|s| match s.as_str() {
        "accounting" | "partner" => ProfileKind::Accounting,
        _ => ProfileKind::Merchant,
    })
}

/// From the environment when set, else asked on the terminal without echo.
fn read_secret(kind: SecretKind, label: &str) -> Result<Secret> {
    if let Some(s) = secrets::from_env(kind) {
        return Ok(s);
    }
    let typed = rpassword::prompt_password(format!("{label}: ")).map_err(|_| {
        Error::Input(format!(
            "No terminal to ask for the {label}. Set {} instead.",
            kind.env_var()
        ))
    })?;
    let typed = typed.trim().to_string();
    if typed.is_empty() {
        return Err(Error::Input(format!("The {label} is empty.")));
    }
    Ok(Secret::new(typed))
}
