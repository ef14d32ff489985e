//! Feedback for a value that should be None (TensorFlow gives no gradient) but is not, worded
//! for the student: why TensorFlow gives None in the assignment's setting, and that None is
//! the answer. The reference's own note is written for whoever wrote the reference (its line
//! numbers, and advice that would make the gradient exist), so it is never quoted here.

use super::NullCause;
use crate::engine::explain::Reason;

/// "`dc` should be None: TensorFlow gives no gradient here because c is a constant the tape
/// does not watch, but yours is a float32 value of shape [3]; ...".
pub fn feedback(name: &str, cause: Option<&NullCause>, yours: &str) -> String {
    let because = cause
        .map(|c| format!(" because {}", because(c)))
        .unwrap_or_default();
    let not_watching = match cause {
        Some(c) if watching_would_give_a_value(c.reason) => {
            let src = c.source.as_deref().unwrap_or("the source");
            format!(", and not a gradient from watching {src}")
        }
        _ => String::new(),
    };
    format!(
        "`{name}` should be None: TensorFlow gives no gradient here{because}, but yours is \
         {yours}; the answer is the None the gradient call returns, not zeros \
         (unconnected_gradients=ZERO, tf.zeros_like){not_watching}"
    )
}

fn watching_would_give_a_value(r: Reason) -> bool {
    matches!(
        r,
        Reason::NotWatched | Reason::NotTrainable | Reason::WatchAccessedVariablesOff
    )
}

/// Why TensorFlow gives None, as a clause about the source.
fn because(c: &NullCause) -> String {
    let src = c.source.as_deref().unwrap_or("the source");
    let at = |what: &str| match &c.node {
        Some(n) if !n.starts_with("an ") && !n.starts_with("a ") => format!("{what} (at `{n}`)"),
        _ => what.to_string(),
    };
    match c.reason {
        Reason::IntegerSource => format!("{src} has an integer dtype, which has no gradient"),
        Reason::NotTrainable => {
            format!("{src} is a Variable with trainable=False, which the tape does not watch")
        }
        Reason::WatchAccessedVariablesOff => {
            format!("the tape has watch_accessed_variables=False and never watches {src}")
        }
        Reason::RecordingPaused => {
            format!("the path from {src} runs while the tape's recording is paused")
        }
        Reason::RecordedBeforeTape => {
            format!("the path from {src} is computed before the tape starts recording")
        }
        Reason::ThroughAssign => {
            format!("the path from {src} goes through an assign, which has no gradient")
        }
        Reason::StopGradient => at(&format!(
            "the path from {src} goes through tf.stop_gradient"
        )),
        Reason::NotDifferentiable => at(&format!(
            "the path from {src} goes through an op that has no gradient"
        )),
        Reason::NotWatched => format!("{src} is a constant the tape does not watch"),
        Reason::NotConnected => format!("the target does not depend on {src}"),
        Reason::ConstantGradient => {
            format!("the first derivative does not depend on {src}")
        }
        Reason::NonFinite => format!("the gradient for {src} does not exist"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unwatched_constant_is_explained_from_the_students_side() {
        let cause = NullCause {
            reason: Reason::NotWatched,
            source: Some("c".into()),
            node: None,
        };
        let f = feedback("dc", Some(&cause), "a float32 value of shape [3]");
        assert_eq!(
            f,
            "`dc` should be None: TensorFlow gives no gradient here because c is a constant the \
             tape does not watch, but yours is a float32 value of shape [3]; the answer is the \
             None the gradient call returns, not zeros (unconnected_gradients=ZERO, \
             tf.zeros_like), and not a gradient from watching c"
        );
    }
}
