//! Temporary files removed when a signal stops pstat: SIGINT (Ctrl-C), SIGTERM or SIGHUP during
//! a conversion would otherwise leave the `.pstat-XXXXXX` file beside the output, as large as
//! the output, since a signal ends the process without running destructors.
//!
//! A thread waits for the signals; on one it removes every registered file and ends the
//! process as the signal's default action would (so the exit status says which signal).

use std::path::PathBuf;
use std::sync::{Mutex, Once, PoisonError};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The temporary files being written.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A registered temporary file, removed from the list when dropped (once it is renamed into
/// place, kept, or removed by its owner).
pub struct Pending(PathBuf);

/// Registers `path` for removal if a signal stops pstat before the guard is dropped.
pub fn pending(path: PathBuf) -> Pending {
    watch();
    lock().push(path.clone());
    Pending(path)
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut pending = lock();
        if let Some(i) = pending.iter().position(|p| *p == self.0) {
            pending.swap_remove(i);
        }
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the thread that waits for the signals, once. If the handlers cannot be installed,
/// pstat runs as before, without the cleanup.
fn watch() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // The lock is held to the end: no new file is registered meanwhile.
                let pending = lock();
                for path in pending.iter() {
                    let _ = std::fs::remove_file(path);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    });
}
