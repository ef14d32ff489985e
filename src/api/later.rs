//! Work a request leaves until its answer is on its way: the access line, and freeing what a
//! program computed. hyper writes an answer to the socket within the poll of the connection's
//! task that produced it, so what a poll of an `AfterEachPoll` task `defer`s runs once the
//! client has its answer: a client waiting on one request waits for none of it. Outside such a
//! poll (a test calling the router, `gradtape run`) `defer` runs the work at once.
//!
//! The queue is the thread's: a task's poll runs on one thread from start to end, engine work
//! included (`block_in_place` keeps it on the thread that received the request).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

type Job = Box<dyn FnOnce()>;

struct Queue {
    /// Whether a poll of an `AfterEachPoll` task is running on this thread.
    open: bool,
    jobs: Vec<Job>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = const { RefCell::new(Queue { open: false, jobs: Vec::new() }) };
}

/// Runs `job` when the poll running now ends, or at once outside an `AfterEachPoll` poll.
pub fn defer(job: impl FnOnce() + 'static) {
    let mut job = Some(job);
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        if q.open {
            if let Some(job) = job.take() {
                q.jobs.push(Box::new(job));
            }
        }
    });
    if let Some(job) = job {
        job();
    }
}

/// Drops `value` when the poll running now ends, or at once outside an `AfterEachPoll` poll.
pub fn drop_later<T: 'static>(value: T) {
    if std::mem::needs_drop::<T>() {
        defer(move || drop(value));
    }
}

/// A future whose every poll runs, once it returns, what the poll deferred.
pub struct AfterEachPoll<F>(pub F);

impl<F: Future + Unpin> Future for AfterEachPoll<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // a poll inside another's (never the case for a connection's task) leaves its work to
        // the outer one
        let opened = QUEUE.with(|q| !std::mem::replace(&mut q.borrow_mut().open, true));
        let _run = opened.then_some(RunDeferred);
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Runs the deferred work when dropped: after the poll's result is made, and on unwinding.
struct RunDeferred;

impl Drop for RunDeferred {
    fn drop(&mut self) {
        let mut jobs = QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            q.open = false;
            std::mem::take(&mut q.jobs)
        });
        if jobs.is_empty() {
            return;
        }
        // what a job defers runs at once: the queue is closed
        for job in jobs.drain(..) {
            job();
        }
        // the emptied vector goes back, so the next request's jobs need no allocation of it
        QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            if q.jobs.capacity() == 0 {
                q.jobs = jobs;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use std::task::Waker;

    /// Records what happened, in order.
    type Log = Rc<RefCell<Vec<&'static str>>>;

    fn poll_once<F: Future + Unpin>(f: &mut AfterEachPoll<F>) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn deferred_work_runs_after_the_poll_returns() {
        let log: Log = Rc::default();
        let (inner, after) = (log.clone(), log.clone());
        let mut f = AfterEachPoll(std::future::poll_fn(move |_| {
            let after = after.clone();
            defer(move || after.borrow_mut().push("deferred"));
            inner.borrow_mut().push("answered");
            Poll::Ready(())
        }));
        assert!(poll_once(&mut f).is_ready());
        assert_eq!(*log.borrow(), ["answered", "deferred"]);
        // the queue is closed again: outside a poll, work runs at once
        let now = log.clone();
        defer(move || now.borrow_mut().push("at once"));
        assert_eq!(*log.borrow(), ["answered", "deferred", "at once"]);
    }

    #[test]
    fn outside_a_poll_work_runs_at_once_and_values_drop_at_once() {
        let log: Log = Rc::default();
        let now = log.clone();
        defer(move || now.borrow_mut().push("ran"));
        assert_eq!(*log.borrow(), ["ran"]);
        let value = Rc::new(());
        drop_later(value.clone());
        assert_eq!(Rc::strong_count(&value), 1);
    }

    #[test]
    fn a_value_dropped_later_lives_until_the_poll_ends() {
        let value = Rc::new(());
        let (kept, seen) = (value.clone(), value.clone());
        let counts: Rc<RefCell<Vec<usize>>> = Rc::default();
        let during = counts.clone();
        let mut f = AfterEachPoll(std::future::poll_fn(move |_| {
            drop_later(kept.clone());
            during.borrow_mut().push(Rc::strong_count(&seen));
            Poll::<()>::Pending
        }));
        assert!(poll_once(&mut f).is_pending());
        // during the poll: `value`, `kept`, `seen` and the deferred clone
        assert_eq!(*counts.borrow(), [4]);
        // after it: the deferred clone is gone
        assert_eq!(Rc::strong_count(&value), 3);
    }

    #[test]
    fn work_deferred_by_deferred_work_runs_too() {
        let log: Log = Rc::default();
        let l = log.clone();
        let mut f = AfterEachPoll(std::future::poll_fn(move |_| {
            let l = l.clone();
            defer(move || {
                let inner = l.clone();
                defer(move || inner.borrow_mut().push("second"));
                l.borrow_mut().push("first");
            });
            Poll::Ready(())
        }));
        assert!(poll_once(&mut f).is_ready());
        assert_eq!(*log.borrow(), ["second", "first"]);
    }
}
