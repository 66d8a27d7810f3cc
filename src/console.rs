//! What a command says to people, on stdout and stderr — or, while one organisation of a
//! region runs inside `rollout region run`, into that organisation's own list
//! ([`capture`]): a thousand organisations running side by side on one terminal would mix
//! their warnings line by line, without saying whose they are.
//!
//! Every message of the pipeline goes through [`err_line`] (the [`errln!`] macro) or
//! [`out_bytes`]; the capture belongs to the thread that runs the organisation.

use std::cell::RefCell;
use std::io::Write;

/// A line captured from one organisation's run: which stream it was for, and its text
/// (without the line end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Out(String),
    Err(String),
}

thread_local! {
    static CAPTURE: RefCell<Option<Vec<Line>>> = const { RefCell::new(None) };
}

/// Runs `f` with everything it says on this thread kept instead of printed; returns its
/// result and the lines, in order.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<Line>) {
    let before = CAPTURE.with(|c| c.borrow_mut().replace(Vec::new()));
    // Restored even if `f` panics, so a later run on this thread prints again.
    struct Restore(Option<Option<Vec<Line>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(before) = self.0.take() {
                CAPTURE.with(|c| *c.borrow_mut() = before);
            }
        }
    }
    let mut restore = Restore(Some(before));
    let value = f();
    let lines = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    if let Some(before) = restore.0.take() {
        CAPTURE.with(|c| *c.borrow_mut() = before);
    }
    (value, lines)
}

/// Whether this thread's messages are being kept.
pub fn capturing() -> bool {
    CAPTURE.with(|c| c.borrow().is_some())
}

/// One line for stderr (without its end): printed, or kept when capturing.
pub fn err_line(text: String) {
    let kept = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
        Some(lines) => {
            lines.extend(text.split('\n').map(|l| Line::Err(l.to_string())));
            true
        }
        None => false,
    });
    if !kept {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    }
}

/// Text for stdout: written, or kept line by line when capturing. `Ok(true)` when kept.
pub fn out_bytes(bytes: &[u8]) -> std::io::Result<bool> {
    let kept = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
        Some(lines) => {
            let text = String::from_utf8_lossy(bytes);
            lines.extend(text.lines().map(|l| Line::Out(l.to_string())));
            true
        }
        None => false,
    });
    if kept {
        return Ok(true);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(false)
}

/// `eprintln!` for the pipeline's messages: kept instead of printed while this thread runs
/// an organisation of a region ([`capture`]).
#[macro_export]
macro_rules! errln {
    () => {
        $crate::console::err_line(String::new())
    };
    ($($arg:tt)*) => {
        $crate::console::err_line(format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_keeps_both_streams_in_order_and_ends_with_its_closure() {
        let ((), lines) = capture(|| {
            err_line("первая\nвторая".into());
            out_bytes("строка 1\nстрока 2\n".as_bytes()).unwrap();
            crate::errln!("третья {}", 3);
            assert!(capturing());
        });
        assert_eq!(
            lines,
            vec![
                Line::Err("первая".into()),
                Line::Err("вторая".into()),
                Line::Out("строка 1".into()),
                Line::Out("строка 2".into()),
                Line::Err("третья 3".into()),
            ]
        );
        assert!(!capturing());
    }

    #[test]
    fn captures_nest_and_belong_to_their_thread() {
        let ((), outer) = capture(|| {
            err_line("внешняя".into());
            let ((), inner) = capture(|| err_line("внутренняя".into()));
            assert_eq!(inner, vec![Line::Err("внутренняя".into())]);
            std::thread::spawn(|| assert!(!capturing())).join().unwrap();
        });
        assert_eq!(outer, vec![Line::Err("внешняя".into())]);
    }
}
