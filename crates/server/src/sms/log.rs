//! `log`: for development and tests. The server log gets the message's kind and key only; the
//! file (if set) gets the whole message as one JSON line, so a test can read what was sent.

use super::{Provider, SendError, Sms};
use async_trait::async_trait;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

pub struct LogFile {
    path: Option<PathBuf>,
    // Appends from concurrent sends must not interleave.
    lock: Mutex<()>,
}

impl LogFile {
    pub fn new(path: Option<PathBuf>) -> LogFile {
        LogFile {
            path,
            lock: Mutex::new(()),
        }
    }
}

#[async_trait]
impl Provider for LogFile {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn send(&self, sms: &Sms<'_>) -> Result<(), SendError> {
        tracing::info!(kind = sms.kind, key = sms.key, "sms (log provider)");
        let Some(path) = &self.path else {
            return Ok(());
        };
        let line = serde_json::json!({
            "key": sms.key,
            "phone": sms.phone,
            "lang": sms.lang,
            "kind": sms.kind,
            "params": sms.params,
            "text": sms.text,
        });
        let _guard = self
            .lock
            .lock()
            .map_err(|_| SendError::Retry("log file lock poisoned".into()))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| SendError::Retry(format!("cannot open the SMS log file: {e}")))?;
        // One write per line: two server processes append to one file in tests, and a line
        // written in pieces could interleave with the other's.
        file.write_all(format!("{line}\n").as_bytes())
            .map_err(|e| SendError::Retry(format!("cannot write the SMS log file: {e}")))
    }
}
