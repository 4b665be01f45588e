//! Where the CLI's settings come from: flags, then environment variables (clap reads both),
//! then defaults: a SQLite file and a generated key file in the user's data directory.
//!
//! The key file is created on first use with mode 0600 (its folder 0700) and its creation is
//! reported once on stderr, because losing it means losing every stored secret.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine;

use crate::cli::GlobalArgs;

/// File name of the default SQLite database inside the data folder.
pub const DB_FILE: &str = "calstack.db";
/// File name of the generated key inside the data folder.
pub const KEY_FILE: &str = "encryption.key";

/// Where the database URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `--db` / `--key` or the environment variable.
    FlagOrEnv,
    /// The default file in the data folder.
    Default,
}

/// The encryption key, and where it came from. The key text itself never leaves through
/// `Debug`.
#[derive(Clone)]
pub struct KeyConfig {
    /// Base64 key(s), comma-separated; the first one seals.
    text: String,
    /// The key file, when the key came from one.
    pub file: Option<PathBuf>,
    /// Whether the key file was created just now.
    pub created: bool,
}

impl KeyConfig {
    /// A key held only in memory (the demo's throwaway key).
    pub fn in_memory(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            file: None,
            created: false,
        }
    }

    /// The key text (base64, comma-separated list). Named loudly: it is a secret.
    pub fn secret(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyConfig")
            .field("text", &"[redacted]")
            .field("file", &self.file)
            .field("created", &self.created)
            .finish()
    }
}

/// The database URL to use and where it came from.
pub fn database_url(global: &GlobalArgs, data_dir: Option<&Path>) -> Result<(String, Origin)> {
    if let Some(url) = global.db.as_deref().filter(|u| !u.trim().is_empty()) {
        return Ok((url.trim().to_owned(), Origin::FlagOrEnv));
    }
    let dir = data_dir.context(
        "no data directory on this system: set --db (or CALSTACK_DATABASE_URL) and --key (or CALSTACK_ENCRYPTION_KEY)",
    )?;
    Ok((sqlite_url(&dir.join(DB_FILE)), Origin::Default))
}

/// `sqlite://` URL of a file path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The folder calstack keeps its default files in (`$XDG_DATA_HOME/calstack` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("calstack"))
}

/// The encryption key: `--key` / `CALSTACK_ENCRYPTION_KEY`, else the key file in `data_dir`,
/// created (mode 0600) when `create` is true and it does not exist yet.
pub fn encryption_key(
    global: &GlobalArgs,
    data_dir: Option<&Path>,
    create: bool,
) -> Result<KeyConfig> {
    if let Some(text) = global.key.as_deref().filter(|k| !k.trim().is_empty()) {
        return Ok(KeyConfig {
            text: text.trim().to_owned(),
            file: None,
            created: false,
        });
    }
    let dir = data_dir
        .context("no data directory on this system: set --key (or CALSTACK_ENCRYPTION_KEY)")?;
    let path = dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            check_private(&path)?;
            let text = text.trim().to_owned();
            if text.is_empty() {
                bail!("the key file {} is empty", path.display());
            }
            Ok(KeyConfig {
                text,
                file: Some(path),
                created: false,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let text = generate_key_file(dir, &path)?;
            Ok(KeyConfig {
                text,
                file: Some(path),
                created: true,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "no encryption key: {} does not exist and --key / CALSTACK_ENCRYPTION_KEY is not set",
            path.display()
        ),
        Err(e) => Err(e).with_context(|| format!("could not read the key file {}", path.display())),
    }
}

/// Writes a fresh random 32-byte key, base64, to `path` with mode 0600.
fn generate_key_file(dir: &Path, path: &Path) -> Result<String> {
    create_private_dir(dir)?;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("could not create the key file {}", path.display()))?;
    writeln!(file, "{text}")?;
    file.sync_all()?;
    Ok(text)
}

/// Creates `dir` (and parents) with mode 0700 for the last component.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("could not create {}", dir.display()))
}

/// Refuses a key file other users can read.
fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "the key file {} is readable by other users (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(db: Option<&str>, key: Option<&str>) -> GlobalArgs {
        GlobalArgs {
            db: db.map(str::to_owned),
            key: key.map(str::to_owned),
            ..GlobalArgs::default()
        }
    }

    #[test]
    fn flag_or_env_database_wins_over_the_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, origin) =
            database_url(&global(Some("postgres://x/y"), None), Some(dir.path())).expect("url");
        assert_eq!(
            (url.as_str(), origin),
            ("postgres://x/y", Origin::FlagOrEnv)
        );
        let (url, origin) = database_url(&global(None, None), Some(dir.path())).expect("url");
        assert_eq!(
            url,
            format!("sqlite://{}/calstack.db", dir.path().display())
        );
        assert_eq!(origin, Origin::Default);
    }

    #[test]
    fn key_file_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("calstack");
        let first = encryption_key(&global(None, None), Some(&data), true).expect("created");
        assert!(first.created);
        let second = encryption_key(&global(None, None), Some(&data), true).expect("read");
        assert!(!second.created);
        assert_eq!(first.secret(), second.secret());
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(first.secret())
                .expect("base64")
                .len(),
            32
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(KEY_FILE))
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn missing_key_file_is_an_error_when_not_creating() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = encryption_key(&global(None, None), Some(dir.path()), false).expect_err("none");
        assert!(e.to_string().contains("CALSTACK_ENCRYPTION_KEY"), "{e}");
    }

    #[test]
    fn given_key_wins_and_is_never_debug_printed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = encryption_key(
            &global(None, Some("c2VjcmV0LWtleQ==")),
            Some(dir.path()),
            true,
        )
        .expect("given");
        assert_eq!(k.secret(), "c2VjcmV0LWtleQ==");
        assert!(!format!("{k:?}").contains("c2VjcmV0"));
        assert!(
            !dir.path().join(KEY_FILE).exists(),
            "no file when a key is given"
        );
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_key_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(KEY_FILE);
        std::fs::write(&path, "abc\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = encryption_key(&global(None, None), Some(dir.path()), true).expect_err("open");
        assert!(e.to_string().contains("chmod 600"), "{e}");
    }
}
