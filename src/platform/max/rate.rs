//! The rate rule the client and the test server share: at most `rate` requests *started*
//! in any sliding one-second window. The server keeps a log of what it admitted
//! ([`Window`]); the client spaces its starts evenly ([`Pacer`], GCRA with burst 1).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(1);

/// The server's side: a sliding-window log of the requests it admitted.
#[derive(Debug)]
pub struct Window {
    rate: usize,
    admitted: VecDeque<Instant>,
}

impl Window {
    pub fn new(rate: u32) -> Window {
        Window {
            rate: rate.max(1) as usize,
            admitted: VecDeque::new(),
        }
    }

    /// Admit a request arriving at `now`, or say how long until one would be admitted
    /// (what `Retry-After` tells the client).
    pub fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        while let Some(&t) = self.admitted.front() {
            if now.saturating_duration_since(t) >= WINDOW {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
        if self.admitted.len() < self.rate {
            self.admitted.push_back(now);
            return Ok(());
        }
        let oldest = self.admitted[0];
        Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)))
    }
}

/// The client's side: a GCRA limiter with burst 1. Starts are spaced by the emission
/// interval, 3 % longer than `1/rate` so that jitter between our clock and the server's
/// (a request handled a few tens of milliseconds late on a busy machine) never lets a
/// one-second window hold one request more than `rate`.
///
/// A task can wake later than its booked start (a busy machine), and then the one after it
/// would follow too closely; so at the start itself the pacer also keeps a log of the last
/// `rate` starts and holds a request while `rate` of them are within the window plus the
/// 3 % (what the spacing leaves anyway), as the server counts them.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    /// The theoretical arrival time of the next request.
    next: Mutex<Option<Instant>>,
    /// At most this many starts in a window of `WINDOW + GUARD`.
    per_window: usize,
    started: Mutex<VecDeque<Instant>>,
}

/// The spacing: the emission interval is `SLACK / rate`.
const SLACK: f64 = 1.03;

/// The window the client keeps to at the start of a request: 3 % longer than the server's.
const GUARD: Duration = Duration::from_millis(30);

impl Pacer {
    pub fn new(rate: f64) -> Pacer {
        let rate = if rate.is_finite() && rate > 0.0 { rate } else { 1.0 };
        Pacer {
            interval: Duration::from_secs_f64(SLACK / rate),
            next: Mutex::new(None),
            per_window: (rate.floor() as usize).max(1),
            started: Mutex::new(VecDeque::new()),
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Book the next start at or after `now` and return it; the caller starts then.
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let at = match *next {
            Some(t) if t > now => t,
            _ => now,
        };
        *next = Some(at + self.interval);
        at
    }

    /// Push the next start back by `pause` from now (after a 429 with `Retry-After`), so
    /// every task waits, not only the one that was refused.
    pub fn pause(&self, pause: Duration) {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + pause;
        if next.is_none_or(|t| t < until) {
            *next = Some(until);
        }
    }

    /// Wait for this request's turn.
    pub async fn wait(&self) {
        let at = self.reserve(Instant::now());
        tokio::time::sleep_until(at.into()).await;
        while let Err(until) = self.start(Instant::now()) {
            tokio::time::sleep_until(until.into()).await;
        }
    }

    /// Record a start at `now`, or say until when to hold it: `per_window` starts already
    /// lie within the last `WINDOW + GUARD`.
    pub fn start(&self, now: Instant) -> Result<(), Instant> {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        if started.len() >= self.per_window {
            let oldest = started[started.len() - self.per_window];
            let until = oldest + WINDOW + GUARD;
            if until > now {
                return Err(until);
            }
        }
        started.push_back(now);
        while started.len() > self.per_window {
            started.pop_front();
        }
        Ok(())
    }
}

/// The most starts in any half-open one-second window `[t, t + 1 s)` over these times in
/// seconds (any order): what the tests and the benchmark check the server's log with.
pub fn busiest_window(times: &[f64]) -> usize {
    let mut t: Vec<f64> = times.iter().copied().filter(|x| x.is_finite()).collect();
    t.sort_by(f64::total_cmp);
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..t.len() {
        while t[hi] - t[lo] >= 1.0 {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_admits_rate_per_second_and_says_when_next() {
        let t0 = Instant::now();
        let mut w = Window::new(3);
        for i in 0..3 {
            assert_eq!(w.admit(t0 + Duration::from_millis(i * 10)), Ok(()));
        }
        let wait = w.admit(t0 + Duration::from_millis(500)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(w.admit(t0 + Duration::from_millis(1000)), Ok(()));
        assert!(w.admit(t0 + Duration::from_millis(1005)).is_err());
        assert_eq!(w.admit(t0 + Duration::from_millis(1010)), Ok(()));
    }

    #[test]
    fn pacer_spaces_starts_so_no_window_holds_more_than_rate() {
        let p = Pacer::new(20.0);
        let t0 = Instant::now();
        let starts: Vec<f64> = (0..100).map(|_| p.reserve(t0).duration_since(t0).as_secs_f64()).collect();
        assert_eq!(busiest_window(&starts), 20);
        assert!(starts.windows(2).all(|w| w[1] - w[0] >= 0.0515 - 1e-9));
        // 100 starts take 99 intervals: 3 % slower than the rate, never faster.
        assert!((starts[99] - 99.0 * 1.03 / 20.0).abs() < 1e-6);
    }

    #[test]
    fn a_late_start_holds_the_next_so_no_window_gets_more_than_rate() {
        let p = Pacer::new(20.0);
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        // Twenty starts on time, 51.5 ms apart, except the first, which woke 50 ms late.
        assert_eq!(p.start(ms(50)), Ok(()));
        for i in 1..20u64 {
            assert_eq!(p.start(ms(i * 515 / 10)), Ok(()));
        }
        // The 21st is due at 1030 ms; that would put 21 starts within [50, 1030]: held
        // until a window plus the guard after the first.
        assert_eq!(p.start(ms(1030)), Err(ms(1080)));
        assert_eq!(p.start(ms(1080)), Ok(()));
        // On time, the spacing alone keeps the window: nothing is held.
        let q = Pacer::new(20.0);
        for i in 0..60u64 {
            assert_eq!(q.start(ms(i * 515 / 10)), Ok(()), "start {i}");
        }
    }

    #[test]
    fn pacer_pause_delays_everyone() {
        let p = Pacer::new(1000.0);
        p.pause(Duration::from_millis(200));
        let now = Instant::now();
        assert!(p.reserve(now) >= now + Duration::from_millis(150));
    }

    #[test]
    fn busiest_window_counts_half_open_windows() {
        assert_eq!(busiest_window(&[]), 0);
        assert_eq!(busiest_window(&[0.0, 0.5, 1.0, 1.5]), 2);
        assert_eq!(busiest_window(&[0.0, 0.1, 0.2, 0.99]), 4);
        assert_eq!(busiest_window(&[2.0, 0.0, 1.0]), 1);
    }
}
