//! Why a session name is bound to None: the reason (gradients.md) the gradient bound to it came
//! out None, kept so that a later use of the name (an input, a target, `GET .../tensors/{name}`)
//! says why, as the gradient call's note did.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::cells::notes::CellNote;
use crate::engine::explain::{Note, Reason};
use crate::engine::workspace::Binding;
use crate::engine::{Error, Workspace};

/// Each name bound to a None gradient, with the reason's code and the note's sentence.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NoneWhy(BTreeMap<String, (String, String)>);

impl NoneWhy {
    /// `name` is now bound to a None gradient for the reason `note` gives (none known: forgot).
    pub fn record(&mut self, name: &str, note: Option<&Note>) {
        match note {
            Some(n) => {
                let why = (n.reason.as_str().to_string(), n.detail.clone());
                self.0.insert(name.to_string(), why);
            }
            None => {
                self.0.remove(name);
            }
        }
    }

    /// Keeps the reasons of names still bound to None (a name rebound since has none).
    pub fn retain_bound(&mut self, ws: &Workspace) {
        self.0
            .retain(|n, _| matches!(ws.binding(n), Some(Binding::None)));
    }

    /// The reasons as notes a cell's kernel carries (`Kernel::why_none`): a cell that rebinds
    /// a name drops its note, one that binds a None gradient adds its own.
    pub fn to_cell_notes(&self) -> HashMap<String, CellNote> {
        let note = |name: &String, (reason, detail): &(String, String)| {
            let reason = Reason::parse(reason)?;
            let note = Note::new(Some(name), reason, None, detail.clone());
            Some(CellNote {
                line: 0,
                column: 0,
                note,
                zeros: false,
                name: Some(name.clone()),
            })
        };
        self.0
            .iter()
            .filter_map(|(n, w)| Some((n.clone(), note(n, w)?)))
            .collect()
    }

    /// The reasons a cell's kernel left, for the names still bound to None after it.
    pub fn from_cell_notes(notes: &HashMap<String, CellNote>, ws: &Workspace) -> NoneWhy {
        let mut out = NoneWhy::default();
        for (n, c) in notes {
            out.record(n, Some(&c.note));
        }
        out.retain_bound(ws);
        out
    }

    /// `e`, the engine's error for a use of a name bound to None, with why the name is None.
    pub fn explain(&self, ws: &Workspace, mut e: Error) -> Error {
        for (name, (reason, detail)) in &self.0 {
            let said = format!("\"{name}\" is None,");
            if e.detail.contains(&said) && matches!(ws.binding(name), Some(Binding::None)) {
                let why = format!(
                    "\"{name}\" is None (the gradient bound to it was None, {reason}: {detail}),"
                );
                e.detail = e.detail.replacen(&said, &why, 1);
                break;
            }
        }
        e
    }
}
