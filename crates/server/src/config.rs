//! Service configuration: defaults, a TOML file, then environment variables.
//!
//! Precedence, lowest first: built-in defaults, the TOML file (when given),
//! the `EMBARGO_*` environment variables, then command-line flags (applied
//! by the caller on the returned [`ServeConfig`]).
//!
//! ```toml
//! bind = "127.0.0.1:8000"
//! db = "/var/lib/embargo/embargo.db"
//! log_json = true
//! max_body_bytes = 2097152
//! request_timeout_secs = 30
//! max_batch = 1000
//! rate_limit_per_second = 100.0
//! rate_limit_burst = 200
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The environment variables read by [`ServeConfig::apply_env`].
pub const ENV_VARS: &[&str] = &[
    "EMBARGO_BIND",
    "EMBARGO_DB",
    "EMBARGO_LOG_JSON",
    "EMBARGO_MAX_BODY_BYTES",
    "EMBARGO_REQUEST_TIMEOUT_SECS",
    "EMBARGO_MAX_BATCH",
    "EMBARGO_RATE_LIMIT_PER_SECOND",
    "EMBARGO_RATE_LIMIT_BURST",
];

/// Everything `embargo serve` needs to run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// The address to listen on.
    pub bind: SocketAddr,
    /// The SQLite database; `None` serves an in-memory database holding the
    /// bundled lists (demos and tests).
    pub db: Option<PathBuf>,
    /// Log as JSON lines instead of human-readable text.
    pub log_json: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests taking longer are answered with 503.
    pub request_timeout_secs: u64,
    /// Most queries in one `/v1` batch (yente's `/match` keeps its own 100).
    pub max_batch: usize,
    /// Sustained requests per second allowed per API key (0 = unlimited).
    pub rate_limit_per_second: f64,
    /// Requests an API key may send in a burst.
    pub rate_limit_burst: u32,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            db: None,
            log_json: false,
            max_body_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            max_batch: 1000,
            rate_limit_per_second: 100.0,
            rate_limit_burst: 200,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file '{}': {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("invalid configuration file '{}': {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its position.
        message: String,
    },
    /// An environment variable has a value that does not parse.
    #[error("invalid value '{value}' for {var}: {reason}")]
    Env {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A setting is out of its range.
    #[error("invalid setting {field}: {reason}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
}

impl ServeConfig {
    /// Defaults, then `file` (if any), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<ServeConfig, ConfigError> {
        let mut cfg = match file {
            Some(path) => ServeConfig::from_file(path)?,
            None => ServeConfig::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads a TOML file; missing keys keep their defaults.
    pub fn from_file(path: &Path) -> Result<ServeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ServeConfig::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text; missing keys keep their defaults.
    pub fn from_toml(text: &str) -> Result<ServeConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim().to_string())
    }

    /// Overrides settings from environment variables (`EMBARGO_BIND`,
    /// `EMBARGO_DB`, …; see [`ENV_VARS`]), looked up through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(var: &'static str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                var,
                value: value.to_string(),
                reason: e.to_string(),
            })
        }
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        if let Some(v) = get("EMBARGO_BIND") {
            self.bind = parse("EMBARGO_BIND", &v)?;
        }
        if let Some(v) = get("EMBARGO_DB") {
            self.db = Some(PathBuf::from(v));
        }
        if let Some(v) = get("EMBARGO_LOG_JSON") {
            self.log_json = parse_bool(&v).ok_or_else(|| ConfigError::Env {
                var: "EMBARGO_LOG_JSON",
                value: v.clone(),
                reason: "expected true/false, 1/0, yes/no".into(),
            })?;
        }
        if let Some(v) = get("EMBARGO_MAX_BODY_BYTES") {
            self.max_body_bytes = parse("EMBARGO_MAX_BODY_BYTES", &v)?;
        }
        if let Some(v) = get("EMBARGO_REQUEST_TIMEOUT_SECS") {
            self.request_timeout_secs = parse("EMBARGO_REQUEST_TIMEOUT_SECS", &v)?;
        }
        if let Some(v) = get("EMBARGO_MAX_BATCH") {
            self.max_batch = parse("EMBARGO_MAX_BATCH", &v)?;
        }
        if let Some(v) = get("EMBARGO_RATE_LIMIT_PER_SECOND") {
            self.rate_limit_per_second = parse("EMBARGO_RATE_LIMIT_PER_SECOND", &v)?;
        }
        if let Some(v) = get("EMBARGO_RATE_LIMIT_BURST") {
            self.rate_limit_burst = parse("EMBARGO_RATE_LIMIT_BURST", &v)?;
        }
        Ok(())
    }

    /// Checks ranges that parsing cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field, reason: &str| {
            Err(ConfigError::Invalid {
                field,
                reason: reason.to_string(),
            })
        };
        if self.max_body_bytes < 1024 {
            return invalid("max_body_bytes", "must be at least 1024");
        }
        if self.request_timeout_secs == 0 {
            return invalid("request_timeout_secs", "must be at least 1");
        }
        if self.max_batch == 0 {
            return invalid("max_batch", "must be at least 1");
        }
        if !self.rate_limit_per_second.is_finite() || self.rate_limit_per_second < 0.0 {
            return invalid("rate_limit_per_second", "must be a number ≥ 0");
        }
        if self.rate_limit_per_second > 0.0 && self.rate_limit_burst == 0 {
            return invalid("rate_limit_burst", "must be at least 1 when rate limiting");
        }
        Ok(())
    }

    /// The request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_bind_to_loopback() {
        let c = ServeConfig::default();
        assert!(c.bind.ip().is_loopback());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn toml_overrides_defaults_and_keeps_the_rest() {
        let c = ServeConfig::from_toml("bind = \"0.0.0.0:9000\"\nlog_json = true\n").unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert!(c.log_json);
        assert_eq!(c.max_batch, ServeConfig::default().max_batch);
    }

    #[test]
    fn toml_rejects_unknown_keys_and_bad_values() {
        let e = ServeConfig::from_toml("bnd = \"0.0.0.0:9000\"").unwrap_err();
        assert!(e.contains("bnd"), "{e}");
        assert!(ServeConfig::from_toml("bind = 12").is_err());
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("embargo.toml");
        std::fs::write(&p, "max_batch = \"many\"").unwrap();
        let e = ServeConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("embargo.toml"), "{e}");
        let e = ServeConfig::from_file(&dir.path().join("none.toml")).unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }));
    }

    #[test]
    fn env_overrides_file() {
        let mut c = ServeConfig::from_toml("bind = \"127.0.0.1:1\"\nmax_batch = 5").unwrap();
        let env: HashMap<&str, &str> = [
            ("EMBARGO_BIND", "127.0.0.1:8123"),
            ("EMBARGO_DB", "/tmp/x.db"),
            ("EMBARGO_LOG_JSON", "yes"),
            ("EMBARGO_RATE_LIMIT_PER_SECOND", "2.5"),
        ]
        .into_iter()
        .collect();
        c.apply_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.bind.port(), 8123);
        assert_eq!(c.db.as_deref(), Some(Path::new("/tmp/x.db")));
        assert!(c.log_json);
        assert_eq!(c.rate_limit_per_second, 2.5);
        assert_eq!(c.max_batch, 5);
    }

    #[test]
    fn bad_env_value_is_named() {
        let mut c = ServeConfig::default();
        let e = c
            .apply_env(|k| (k == "EMBARGO_BIND").then(|| "localhost".to_string()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("EMBARGO_BIND") && e.contains("localhost"), "{e}");
    }

    #[test]
    fn validation_catches_nonsense() {
        let c = ServeConfig {
            max_batch: 0,
            ..ServeConfig::default()
        };
        assert!(c.validate().is_err());
        let c = ServeConfig {
            rate_limit_per_second: -1.0,
            ..ServeConfig::default()
        };
        assert!(c.validate().is_err());
    }
}
