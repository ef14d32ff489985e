//! The server's log writer: a formatted line is copied into a shared buffer under a short lock,
//! and one thread writes the buffer to stdout in batches, so a request pays a memcpy instead of a
//! write(2) of its own, and a slow reader of the log (a full pipe) holds requests up only once a
//! megabyte of lines waits.
//!
//! The thread sleeps while there is nothing to write; the first line after a quiet spell wakes
//! it, and it then lets lines gather for `GATHER` before each write, so under load the request
//! threads never wake it. Dropping the `Flusher` writes out what is left (at shutdown); lines
//! still gathering when the process is killed outright are lost.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long lines gather before a write once the writer is awake.
const GATHER: Duration = Duration::from_millis(20);
/// Past this many waiting bytes a new line waits for the writer (back pressure, no loss).
const MAX_WAITING: usize = 1 << 20;

#[derive(Default)]
struct State {
    waiting: Vec<u8>,
    writer_asleep: bool,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake_writer: Condvar,
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The `MakeWriter` for tracing-subscriber's fmt layer.
#[derive(Clone)]
pub struct BatchedStdout(Arc<Shared>);

/// Writes out the lines still waiting when dropped.
pub struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// The writer and its flush guard; the writing thread starts here.
pub fn batched_stdout() -> (BatchedStdout, Flusher) {
    let shared = Arc::new(Shared::default());
    let for_thread = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_batches(&for_thread, &mut std::io::stdout()))
        .ok();
    if thread.is_none() {
        // without a writing thread, lines go straight to stdout (see `LineSink::write`)
        shared.lock().closed = true;
    }
    (BatchedStdout(shared.clone()), Flusher { shared, thread })
}

fn write_batches(shared: &Shared, out: &mut impl Write) {
    let mut batch = Vec::new();
    loop {
        {
            let mut st = shared.lock();
            while st.waiting.is_empty() && !st.closed {
                st.writer_asleep = true;
                st = shared
                    .wake_writer
                    .wait(st)
                    .unwrap_or_else(|p| p.into_inner());
            }
            if st.waiting.is_empty() && st.closed {
                return;
            }
        }
        std::thread::sleep(GATHER);
        std::mem::swap(&mut batch, &mut shared.lock().waiting);
        shared.drained.notify_all();
        // a log that cannot be written has nowhere to say so
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake_writer.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One formatted line (tracing-subscriber writes each event with one `write_all`).
pub struct LineSink<'a>(&'a Shared);

impl Write for LineSink<'_> {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut st = self.0.lock();
        if st.closed {
            drop(st);
            return std::io::stdout().write(line);
        }
        while st.waiting.len() >= MAX_WAITING && !st.closed {
            st = self.0.drained.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.waiting.extend_from_slice(line);
        if std::mem::take(&mut st.writer_asleep) {
            drop(st);
            self.0.wake_writer.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedStdout {
    type Writer = LineSink<'a>;

    fn make_writer(&'a self) -> LineSink<'a> {
        LineSink(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_written_once_in_order_before_the_flusher_returns() {
        let shared = Arc::new(Shared::default());
        let out = Arc::new(Mutex::new(Vec::new()));
        struct Collect(Arc<Mutex<Vec<u8>>>);
        impl Write for Collect {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (s, o) = (shared.clone(), out.clone());
        let thread = std::thread::spawn(move || write_batches(&s, &mut Collect(o)));
        let flusher = Flusher {
            shared: shared.clone(),
            thread: Some(thread),
        };
        let writer = BatchedStdout(shared);
        let lines: Vec<String> = (0..2000).map(|i| format!("line {i}\n")).collect();
        for l in &lines {
            writer.make_writer().write_all(l.as_bytes()).unwrap();
        }
        drop(flusher);
        assert_eq!(
            String::from_utf8(out.lock().unwrap().clone()).unwrap(),
            lines.concat()
        );
    }
}
