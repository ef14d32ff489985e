//! Offline grading from files: `--assignment A.json --submission FILE`, and the graders' own
//! directory layouts (Gradescope's `/autograder`, PrairieLearn's `/grade`).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::{assignment, format, grade, prepare, ungradable, AssignmentError, Format, Source};
use crate::engine::Limits;

/// Where one offline grading reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub assignment: PathBuf,
    /// A file, or a directory in which the submission is the first `.ipynb`, `.py` or `.json`.
    pub submission: PathBuf,
    /// `None` writes to standard output.
    pub out: Option<PathBuf>,
    /// Overrides the assignment's `format`.
    pub format: Option<Format>,
}

impl Job {
    /// Gradescope: `DIR/source/assignment.json`, `DIR/submission/`, `DIR/results/results.json`.
    pub fn gradescope(dir: &Path) -> Job {
        Job {
            assignment: dir.join("source/assignment.json"),
            submission: dir.join("submission"),
            out: Some(dir.join("results/results.json")),
            format: Some(Format::Gradescope),
        }
    }

    /// PrairieLearn: `DIR/tests/assignment.json`, `DIR/student/`, `DIR/results/results.json`.
    pub fn prairielearn(dir: &Path) -> Job {
        Job {
            assignment: dir.join("tests/assignment.json"),
            submission: dir.join("student"),
            out: Some(dir.join("results/results.json")),
            format: Some(Format::PrairieLearn),
        }
    }
}

/// The submission file in a directory: the first `.ipynb`, else `.py`, else `.json`, by name.
pub fn find_submission(dir: &Path) -> Result<PathBuf, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            format!(
                "cannot read the submission directory {}: {e}",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for ext in ["ipynb", "py", "json"] {
        if let Some(p) = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == ext))
        {
            return Ok(p.clone());
        }
    }
    Err(format!(
        "no .ipynb, .py or .json file in {}: submit your notebook, your cell as a .py file, or your values as .json",
        dir.display()
    ))
}

/// A submission file by its extension: a `.py` cell, an `.ipynb` notebook, or a `.json` of
/// values (`{"values": {...}}`, `{"program": {...}}`, or a bare object of names to values).
pub fn read_submission(path: &Path) -> Result<Source, String> {
    let path = if path.is_dir() {
        find_submission(path)?
    } else {
        path.to_path_buf()
    };
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match path.extension().and_then(|e| e.to_str()) {
        Some("py") => Ok(Source::Cell(text)),
        Some("ipynb") => serde_json::from_str(&text)
            .map(Source::Notebook)
            .map_err(|e| format!("{name} is not a notebook (not JSON: {e})")),
        Some("json") => {
            let v: Json =
                serde_json::from_str(&text).map_err(|e| format!("{name} is not JSON: {e}"))?;
            match v.as_object() {
                Some(m)
                    if m.len() == 1 && (m.contains_key("values") || m.contains_key("program")) =>
                {
                    Source::from_json(&v).map_err(|e| format!("{name} {e}"))
                }
                Some(m) => Ok(Source::Values(m.clone())),
                None => Err(format!("{name} must be a JSON object of names to values")),
            }
        }
        _ => Err(format!(
            "{name}: submit a .py cell, an .ipynb notebook or a .json of values"
        )),
    }
}

/// Reads an assignment file.
pub fn read_assignment(path: &Path) -> Result<assignment::Assignment, AssignmentError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AssignmentError::new(
            None,
            format!("cannot read the assignment {}: {e}", path.display()),
        )
    })?;
    let v: Json = serde_json::from_str(&text).map_err(|e| {
        AssignmentError::new(
            None,
            format!("the assignment {} is not JSON: {e}", path.display()),
        )
    })?;
    Ok(assignment::parse(&v)?.0)
}

/// Grades one job and writes the result. `Err` only for a broken assignment (or an output
/// that cannot be written): whatever the student scored, a result is written.
pub fn run(job: &Job, limits: &Limits) -> Result<Json, AssignmentError> {
    let mut a = read_assignment(&job.assignment)?;
    if let Some(f) = job.format {
        a.format = f;
    }
    let fmt = a.format;
    let prepared = prepare(a, limits)?;
    let report = match read_submission(&job.submission) {
        Ok(s) => grade(&prepared, &s, limits),
        Err(why) => ungradable(&prepared, why),
    };
    let out = format::render(&report, fmt);
    let text = serde_json::to_string_pretty(&out).unwrap_or_default() + "\n";
    match &job.out {
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AssignmentError::new(None, format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            std::fs::write(p, text).map_err(|e| {
                AssignmentError::new(None, format!("cannot write {}: {e}", p.display()))
            })?;
        }
        None => print!("{text}"),
    }
    Ok(out)
}
