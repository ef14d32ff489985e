//! A connection's task that answers its own wake-ups itself.
//!
//! hyper's request-body channel keeps the connection task's waker from the moment it hands the
//! body over, and the handler taking the body wakes it: a wake from inside the task's own poll.
//! Tokio answers such a wake by queueing the task behind the worker's others and waking an idle
//! worker thread to come and steal it, a futex or eventfd round trip (and a context switch on a
//! busy core) for every request with a body, after which the idle worker finds nothing to do.
//! `SelfWakes` polls the connection with a waker of its own: a wake that arrives while the
//! connection is being polled only marks it for another turn, which the same poll takes at
//! once; a wake at any other time goes to tokio as usual.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Turns one poll takes for wakes from inside itself before handing the rest to tokio, so a
/// future that yields on purpose (hyper after a run of pipelined requests) still lets the
/// worker's other tasks run. (Tokio's cooperative budget wakes a task only after its poll, as
/// `tokio::task::yield_now` does: those wakes reach tokio as they did.)
const TURNS: usize = 8;

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN: u8 = 2;

pub struct SelfWakes<F> {
    inner: Pin<Box<F>>,
    shared: Arc<Shared>,
    waker: Waker,
}

struct Shared {
    state: AtomicU8,
    /// The waker tokio polled the task with last.
    outer: Mutex<Option<Waker>>,
}

impl<F: Future> SelfWakes<F> {
    pub fn new(inner: F) -> SelfWakes<F> {
        let shared = Arc::new(Shared {
            state: AtomicU8::new(IDLE),
            outer: Mutex::new(None),
        });
        SelfWakes {
            inner: Box::pin(inner),
            waker: Waker::from(shared.clone()),
            shared,
        }
    }
}

impl<F: Future> Future for SelfWakes<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        {
            let mut outer = this.shared.outer.lock().unwrap_or_else(|p| p.into_inner());
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        let mut inner_cx = Context::from_waker(&this.waker);
        for _ in 0..TURNS {
            this.shared.state.store(POLLING, Ordering::Release);
            if let Poll::Ready(out) = this.inner.as_mut().poll(&mut inner_cx) {
                this.shared.state.store(IDLE, Ordering::Release);
                return Poll::Ready(out);
            }
            let idle = this.shared.state.compare_exchange(
                POLLING,
                IDLE,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            if idle.is_ok() {
                return Poll::Pending;
            }
            // woken during that poll (WOKEN): another turn sees what woke it
        }
        this.shared.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let noted =
            self.state
                .compare_exchange(POLLING, WOKEN, Ordering::AcqRel, Ordering::Acquire);
        match noted {
            // the poll running now takes another turn
            Ok(_) => {}
            // already marked for another turn
            Err(WOKEN) => {}
            Err(_) => {
                let outer = self.outer.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(w) = outer.as_ref() {
                    w.wake_by_ref();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts how often tokio's side (the outer waker) is woken.
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Count {
        fn wakes(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// `fut`'s first poll through `SelfWakes`, and the counter of wakes that reach tokio.
    fn first_poll<F: Future>(fut: F) -> (Poll<F::Output>, Arc<Count>) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut f = SelfWakes::new(fut);
        let out = Pin::new(&mut f).poll(&mut Context::from_waker(&waker));
        (out, count)
    }

    #[test]
    fn a_wake_during_the_poll_is_a_second_turn_not_a_wake_up() {
        let mut polls = 0;
        let fut = std::future::poll_fn(move |cx| {
            polls += 1;
            if polls == 1 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(polls)
            }
        });
        let (out, count) = first_poll(fut);
        assert_eq!(out, Poll::Ready(2));
        assert_eq!(count.wakes(), 0);
    }

    #[test]
    fn a_wake_after_the_poll_reaches_the_runtime() {
        let kept: Arc<Mutex<Option<Waker>>> = Arc::default();
        let keep = kept.clone();
        let fut = std::future::poll_fn(move |cx| {
            *keep.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        let (out, count) = first_poll(fut);
        assert!(out.is_pending());
        kept.lock().unwrap().take().unwrap().wake();
        assert_eq!(count.wakes(), 1);
    }

    /// Wakes from another thread while the connection may be mid-poll are never lost: every
    /// message sent from another worker is received, under tokio's own scheduler.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wakes_from_other_threads_are_not_lost() {
        const N: usize = 20_000;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<usize>(1);
        let sender = tokio::spawn(async move {
            for i in 0..N {
                tx.send(i).await.unwrap();
            }
        });
        let receiver = tokio::spawn(SelfWakes::new(async move {
            let mut n = 0;
            while let Some(i) = rx.recv().await {
                assert_eq!(i, n);
                n += 1;
            }
            n
        }));
        let got = tokio::time::timeout(std::time::Duration::from_secs(30), receiver)
            .await
            .expect("a wake was lost: the receiver stalled")
            .unwrap();
        sender.await.unwrap();
        assert_eq!(got, N);
    }

    #[test]
    fn a_future_that_always_wakes_itself_still_yields_to_the_runtime() {
        let fut = std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        });
        let (out, count) = first_poll(fut);
        assert!(out.is_pending());
        assert_eq!(count.wakes(), 1);
    }
}
