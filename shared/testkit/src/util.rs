//! Small process, path and URL helpers shared by the server launchers, the test
//! environment and the task runner.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Percent-encodes every byte outside the RFC 3986 "unreserved" set
/// (`A-Z a-z 0-9 - . _ ~`), with lowercase hex digits: `"/"` becomes `"%2f"`.
/// Suitable for one URL path segment or one query value.
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }
    out
}

/// Replaces the database (path) of a `postgres://` URL, keeping user, host and query.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{}", &base[..path_start], percent_encode(db));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Appends `key=value` (value percent-encoded) to a URL's query string.
pub fn with_query_param(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={}", percent_encode(value))
}

/// The database name (path) of a `postgres://` URL, if it has one.
pub fn database_of(url: &str) -> Option<String> {
    let base = url.split('?').next().unwrap_or(url);
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let rest = &base[authority_start..];
    let slash = rest.find('/')?;
    let db = &rest[slash + 1..];
    (!db.is_empty()).then(|| db.to_string())
}

/// `t_` followed by 12 random lowercase hex digits: a valid unquoted SQL identifier
/// and RabbitMQ vhost name.
pub fn unique_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("t_{}", &id[..12])
}

/// Whether this process runs with effective uid 0.
pub fn is_root() -> bool {
    let Ok(status) = fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0")
}

/// Whether a process with this pid exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // Format: "pid (comm) state ..."; comm may contain spaces and parentheses.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, Some("Z") | Some("X") | None)
}

/// Sends a signal with the `kill` utility; errors are ignored (the process may be gone).
pub fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Sends `sig` to every process of the group `pgid` leads.
pub fn signal_group(pgid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits until `pid` is gone; returns false on timeout.
pub fn wait_pid_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pid_alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// TERM, wait up to `grace`, then KILL. Returns once the process is gone (or after
/// a further 5 s).
pub fn terminate(pid: u32, grace: Duration) {
    if !pid_alive(pid) {
        return;
    }
    signal(pid, "TERM");
    if !wait_pid_gone(pid, grace) {
        signal(pid, "KILL");
        wait_pid_gone(pid, Duration::from_secs(5));
    }
}

/// Reads the first line of a pid file as a pid.
pub fn read_pid_file(path: &Path) -> Option<u32> {
    let mut s = String::new();
    fs::File::open(path).ok()?.read_to_string(&mut s).ok()?;
    s.lines().next()?.trim().parse().ok()
}

/// Finds an executable on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs a command to completion, failing with its output when it exits non-zero.
pub fn run_checked(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// The last `n` lines of a text file (for error messages).
pub fn tail(path: &Path, n: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Quotes a string for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Starts a detached shell (own session, via `setsid -f`) that waits while process
/// `owner` lives and then runs `cleanup`. This keeps throwaway servers from outliving
/// the process that started them, even when it is killed.
pub fn spawn_watchdog(owner: u32, cleanup: &str) -> anyhow::Result<()> {
    let script = format!("while kill -0 {owner} 2>/dev/null; do sleep 0.5; done\n{cleanup}\n",);
    let status = Command::new("setsid")
        .args(["-f", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("cannot start watchdog (setsid from util-linux is required)")?;
    if !status.success() {
        bail!("watchdog failed to start: {status}");
    }
    Ok(())
}

/// Creates a fresh, uniquely named directory under the system temp dir, readable
/// and traversable by other users (so the `postgres` user can reach its data dir).
pub fn fresh_temp_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), &id[..8]));
    create_shared_dir(&dir)?;
    Ok(dir)
}

/// `create_dir_all` with mode 0755.
pub fn create_shared_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot chmod {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_reserved_bytes_lowercase() {
        assert_eq!(percent_encode("/"), "%2f");
        assert_eq!(percent_encode("t_0123abcd"), "t_0123abcd");
        assert_eq!(percent_encode("a b=c&d"), "a%20b%3dc%26d");
        assert_eq!(percent_encode("-c search_path=x"), "-c%20search_path%3dx");
        assert_eq!(percent_encode("é"), "%c3%a9");
        assert_eq!(percent_encode("~._-"), "~._-");
    }

    #[test]
    fn replaces_database_in_url() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/aftersales_test",
                "postgres"
            ),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            with_database("postgres://u:p@h:1", "db"),
            "postgres://u:p@h:1/db"
        );
        assert_eq!(
            with_database("postgres://u@h:1/a?sslmode=disable", "b"),
            "postgres://u@h:1/b?sslmode=disable"
        );
    }

    #[test]
    fn reads_database_of_url() {
        assert_eq!(
            database_of("postgres://u@h:1/abc?x=1").as_deref(),
            Some("abc")
        );
        assert_eq!(database_of("postgres://u@h:1/"), None);
        assert_eq!(database_of("postgres://u@h:1"), None);
    }

    #[test]
    fn appends_query_params() {
        assert_eq!(with_query_param("p://h/d", "a", "b c"), "p://h/d?a=b%20c");
        assert_eq!(with_query_param("p://h/d?x=1", "a", "b"), "p://h/d?x=1&a=b");
    }

    #[test]
    fn unique_names_are_identifiers() {
        let a = unique_name();
        assert_eq!(a.len(), 14);
        assert!(a.starts_with("t_"));
        assert!(
            a[2..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, unique_name());
    }

    #[test]
    fn own_pid_is_alive() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(u32::MAX - 1));
    }

    #[test]
    fn quotes_for_shell() {
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
