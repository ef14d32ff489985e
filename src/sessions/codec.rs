//! A session's whole state as bytes: a versioned header, then postcard over the engine's types.
//!
//! Layout: the magic `GTS` (so a stray value is recognised as not a session), one byte of
//! format version, then `postcard` of `Session` with tensors in `engine::wire`'s raw
//! little-endian form. A reader refuses a version it does not know with an error saying which
//! gradtape wrote it, rather than misreading the bytes. Any change to the serialized types
//! (a field, an op variant's position) changes the bytes: bump `FORMAT` and keep a reader for the
//! previous one. `tests/sessions/format-v1.bin` holds a session written by format 1; a test
//! reads it, so a change that forgets the bump fails there.

use super::Session;
use crate::cells::keras_object::reading_rules_v17;
use crate::engine::error::{Code, Error, Result};
use crate::engine::wire::shared;
use crate::engine::Limits;

const MAGIC: &[u8; 3] = b"GTS";
/// The format this gradtape writes. Format 2 added a name bound to None (`Binding::None`), so
/// format 1 is format 2 without one; format 3 adds what a session's cells keep
/// (`Session::kernel`); format 4 keeps each object the kernel's names share once (an object
/// table), closures' scopes, what `assign` returns, and `tf.random`'s state between cells.
/// Formats 1 and 2 read as a session with an empty kernel, format 3 as one whose names share
/// nothing and whose random state is a new session's. Format 5 appends, after the session,
/// how its values were produced (`Provenance`, the newest `STORED_RECORDS` records) and each
/// tape's timeline (`TapeTimeline`: when it opened, its stopped stretches, the integers it
/// watched), so that a replica that reads the session explains a `None` gradient, and lists
/// `watched_variables()`, as the one that wrote it would; formats up to 4 read with no such
/// history (notes then fall back to what the tapes show). Format 6 appends each tape's
/// fused-kernel checks (`Tape::fused`); format 5 reads with none, as a session whose
/// second derivatives' fused kernels broadcast a gradient of another shape. Format 7 may keep
/// a one-pass iterator (`Object::Iter`: a zip, enumerate, map or reversed object part way
/// through); format 6 is format 7 without one. Format 8 appends the slices of variables the
/// kernel keeps (`KernelState::slices`: `row = W[0]` assigns into `W` in a later cell); up to
/// 7 read with none, so such a slice kept then is a plain tensor.
/// Format 9 appends why each name bound to a None gradient is None (`NoneWhy`); up to 8 read
/// with no reasons (a use of such a name then says only that it is None). Format 10 appends
/// what variables were given as a `trainable` that is no bool (`KernelState::trainables`); up
/// to 9 read with none, so such a variable's `.trainable` reads as its truth. Format 11 may
/// keep a `Dimension` (`Kept::Dimension`, from `x.shape.dims`); format 10 is format 11
/// without one. Format 12 appends the op-seed generator of the kernel's `tf.random` state
/// (`RandomState::op_seed_generator`, Python's `random.Random` part way through), NumPy's
/// global generator (`np.random`) and where the seeded random nodes' kernels stand
/// (`Workspace::random_kernels`); up to 11 read with none of them, so the next op seed comes
/// from a generator made anew from the seed, `np.random` from one the system seeds, and the
/// next seeded node draws as the first of its seed did. Format 13 may keep an exception object
/// (`Kept::Exception`, `err = e` in an `except` block); format 12 is format 13 without one.
/// Format 14 may keep a Keras loss or optimizer (`Object::Keras`, its slots the session's
/// variables); format 13 is format 14 without one.
/// Format 15 may keep a dict (`Object::Dict`) and a view of one (`Kept::DictView`); format 14
/// is format 15 without either. Format 16 may keep a named tuple (`Object::NamedTuple`,
/// `tf.math.top_k`'s TopKV2) and an RMSprop optimizer (`Rule::RmsProp`); format 15 is format
/// 16 without either. Format 17 may keep an SGD given a string momentum
/// (`Rule::SgdTextMomentum`); format 16 is format 17 without one. Format 18 keeps an
/// optimizer's hyperparameters as the cell gave them (`keras_object::Hyper`: `centered=1` stays
/// the int 1); up to 17 each was a float or a bool (`RuleV17`), and reads back as one.
/// Format 19 may keep a read-only array (`Object::ReadOnlyArray`, `np.asarray` of an eager
/// tensor); format 18 is format 19 without one. Format 20 may keep a `Reference`
/// (`Kept::Ref`, `t.ref()`); format 19 is format 20 without one. Format 21 may keep an
/// optimizer's hyperparameter given as a NumPy scalar or a tensor (`Hyper::NpScalar`,
/// `Hyper::Tensor`); format 20 is format 21 without one.
pub const FORMAT: u8 = 21;

/// Provenance records a stored session keeps; an older record is dropped as a long-running
/// session's in memory are past `provenance::MAX_RECORDS`.
const STORED_RECORDS: usize = 1 << 16;

pub fn encode(s: &Session) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + s.memory_bytes());
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    // Writing to a Vec fails only on a type serde cannot express, which `Session` is not.
    let out = shared(|| postcard::to_extend(s, out)).expect("a session always serializes");
    let prov = &s.ws.ctx.prov;
    let out = if prov.len() <= STORED_RECORDS {
        postcard::to_extend(prov, out)
    } else {
        postcard::to_extend(&prov.newest(STORED_RECORDS), out)
    }
    .expect("provenance always serializes");
    let out =
        postcard::to_extend(&s.ws.ctx.tape_timelines(), out).expect("timelines always serialize");
    let out =
        postcard::to_extend(&s.ws.ctx.tape_fused_checks(), out).expect("checks always serialize");
    let out =
        shared(|| postcard::to_extend(&s.kernel.slices, out)).expect("slices always serialize");
    let out = postcard::to_extend(&s.none_why, out).expect("reasons always serialize");
    let out = shared(|| postcard::to_extend(&s.kernel.trainables, out))
        .expect("literals always serialize");
    let out = postcard::to_extend(&s.kernel.random.op_seed_generator(), out)
        .expect("a generator always serializes");
    let out =
        postcard::to_extend(&s.kernel.random.numpy(), out).expect("a generator always serializes");
    postcard::to_extend(&s.ws.random_kernels, out).expect("kernels always serialize")
}

fn stored_err(detail: String) -> Error {
    Error::new(Code::Internal, detail)
}

/// The session in `bytes`, running under today's `limits` (the store's configuration governs,
/// not the one in force when it was written).
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Session> {
    let Some((head, body)) = bytes.split_at_checked(4) else {
        return Err(stored_err(format!(
            "a stored session is {} bytes, shorter than its header",
            bytes.len()
        )));
    };
    if &head[..3] != MAGIC {
        return Err(stored_err(
            "a stored value is not a gradtape session (its header is not GTS)".into(),
        ));
    }
    let mut s: Session = match head[3] {
        v @ (1 | 2) => shared(|| postcard::from_bytes::<super::session::SessionV2>(body))
            .map(Session::from)
            .map_err(|e| {
                stored_err(format!("a stored session (format {v}) does not read back: {e}"))
            })?,
        3 => shared(|| postcard::from_bytes::<super::session::SessionV3>(body))
            .map(Session::from)
            .map_err(|e| {
                stored_err(format!("a stored session (format 3) does not read back: {e}"))
            })?,
        4 => shared(|| postcard::from_bytes(body)).map_err(|e| {
            stored_err(format!("a stored session (format 4) does not read back: {e}"))
        })?,
        v @ (5..=21) => {
            let read = || -> std::result::Result<Session, postcard::Error> {
                let (mut s, rest) = reading_rules_v17(v < 18, || {
                    shared(|| postcard::take_from_bytes::<Session>(body))
                })?;
                let (prov, rest) = postcard::take_from_bytes(rest)?;
                s.ws.ctx.prov = prov;
                let (timelines, rest) = postcard::take_from_bytes(rest)?;
                s.ws.ctx.restore_tape_timelines(timelines);
                if v >= 6 {
                    let (checks, rest) = postcard::take_from_bytes(rest)?;
                    s.ws.ctx.restore_tape_fused_checks(checks);
                    if v >= 8 {
                        let (slices, rest) = shared(|| postcard::take_from_bytes(rest))?;
                        s.kernel.slices = slices;
                        if v == 9 {
                            s.none_why = postcard::from_bytes(rest)?;
                        }
                        if v >= 10 {
                            let (none_why, rest) = postcard::take_from_bytes(rest)?;
                            s.none_why = none_why;
                            let (trainables, rest) =
                                shared(|| postcard::take_from_bytes(rest))?;
                            s.kernel.trainables = trainables;
                            if v >= 12 {
                                let (generator, rest) = postcard::take_from_bytes(rest)?;
                                s.kernel.random.restore_op_seed_generator(generator);
                                let (numpy, rest) = postcard::take_from_bytes(rest)?;
                                *s.kernel.random.numpy_mut() = numpy;
                                s.ws.random_kernels = postcard::from_bytes(rest)?;
                            }
                        }
                    }
                }
                Ok(s)
            };
            read().map_err(|e| {
                stored_err(format!("a stored session (format {v}) does not read back: {e}"))
            })?
        }
        v if v > FORMAT => {
            return Err(Error::new(
                Code::Internal,
                format!(
                    "this session was stored by a newer gradtape (session format {v}); this one reads format {FORMAT} and older: upgrade every replica before their sessions meet this one"
                ),
            ))
        }
        v => {
            return Err(stored_err(format!(
                "this session was stored in format {v}, which this gradtape no longer reads"
            )))
        }
    };
    s.ws.ctx.limits = limits.clone();
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lit::Lit;
    use crate::engine::workspace::{Input, NodeSpec};
    use crate::engine::Names;
    use crate::sessions::{AssignKind, Source};

    /// `w = tf.Variable([1., 2.])`, `x = tf.constant(3.)`, a persistent tape that records
    /// `y = w * x` and `z = sum(y)`, and `dz/dw` bound to `g`.
    pub fn sample() -> Session {
        let mut s = Session::new(Limits::default());
        let w = Lit::List(vec![Lit::Float(1.0), Lit::Float(2.0)]);
        s.create_variable(&Source::Literal(w), None, true, Some("w"), None)
            .unwrap();
        let t = s.open_tape(true, true, None).unwrap();
        let node = |name: &str, op: &str, inputs: Vec<Input>| NodeSpec {
            name: Some(name.into()),
            op: op.into(),
            inputs,
            attrs: if op == "constant" {
                vec![("value".into(), Lit::Float(3.0))]
            } else {
                vec![]
            },
        };
        s.run_graph(&[
            node("x", "constant", vec![]),
            node(
                "y",
                "multiply",
                vec![Input::Name("w".into()), Input::Name("x".into())],
            ),
            node("z", "reduce_sum", vec![Input::Name("y".into())]),
        ])
        .unwrap();
        let g = s
            .gradient(
                &t,
                &Names::One("z".into()),
                &Names::One("w".into()),
                &None,
                false,
            )
            .unwrap();
        if let crate::engine::Shaped::One(Some(v)) = g {
            s.bind("g", v);
        }
        s.assign("w", AssignKind::Add, &Source::Tensor("g".into()))
            .unwrap();
        s
    }

    /// What a session holds, in a fixed order (its maps iterate in no fixed order, so two
    /// encodings of one session may differ in byte order but not in content).
    fn describe(s: &Session) -> String {
        let mut names: Vec<String> =
            s.ws.names()
                .map(|(n, b)| match b {
                    crate::engine::workspace::Binding::Tensor(v) => format!("{n}={:?}", v.tensor),
                    crate::engine::workspace::Binding::Variable(id) => format!("{n}->{id}"),
                    crate::engine::workspace::Binding::None => format!("{n}=None"),
                })
                .collect();
        names.sort();
        let vars: Vec<String> =
            s.ws.variables()
                .map(|(id, v)| format!("{id}:{}:{}:{:?}", v.name, v.trainable, v.val.tensor))
                .collect();
        let tapes: Vec<String> = s
            .tapes()
            .map(|(id, t)| format!("{id}:{}:{}:{}", t.persistent, t.recording, t.entries()))
            .collect();
        format!("{names:?} {vars:?} {tapes:?} {}", s.memory_bytes())
    }

    #[test]
    fn a_session_reads_back_whole() {
        let s = sample();
        let bytes = encode(&s);
        let back = decode(&bytes, &Limits::default()).unwrap();
        // w = [1, 2] + dz/dw = [1, 2] + [x, x] = [4, 5]
        let w = back.variable("w").unwrap().1.val.tensor.as_ref().clone();
        assert_eq!(
            w,
            crate::engine::Tensor::from_f64s(&[2], &[4.0, 5.0], crate::engine::DType::F32).unwrap()
        );
        assert_eq!(back.memory_bytes(), s.memory_bytes());
        assert_eq!(back.tapes().count(), 1);
        assert_eq!(
            back.tapes().next().unwrap().1.entries(),
            s.tapes().next().unwrap().1.entries()
        );
        assert_eq!(describe(&back), describe(&s));
        // Encoding again gives as many bytes: nothing was lost or duplicated.
        assert_eq!(encode(&back).len(), bytes.len());
    }

    #[test]
    fn tensors_are_not_written_as_numbers_in_text() {
        let s = sample();
        let bytes = encode(&s);
        // the variable's [4., 5.] as raw f32 little-endian bytes
        let raw: Vec<u8> = [4.0f32, 5.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert!(bytes.windows(8).any(|w| w == raw.as_slice()));
        assert!(bytes.len() < 600, "{} bytes", bytes.len());
    }

    #[test]
    fn other_versions_and_foreign_values_are_refused_clearly() {
        let mut bytes = encode(&sample());
        bytes[3] = FORMAT + 1;
        let e = decode(&bytes, &Limits::default()).unwrap_err();
        assert!(e.detail.contains("newer gradtape"), "{}", e.detail);
        bytes[3] = 0;
        let e = decode(&bytes, &Limits::default()).unwrap_err();
        assert!(e.detail.contains("no longer reads"), "{}", e.detail);
        let e = decode(b"{\"json\": 1}", &Limits::default()).unwrap_err();
        assert!(e.detail.contains("not a gradtape session"), "{}", e.detail);
        assert!(decode(b"GT", &Limits::default()).is_err());
    }

    #[test]
    fn why_a_name_is_none_reads_back_and_format_8_reads_without_it() {
        use crate::engine::explain::{Note, Reason};
        let mut s = sample();
        let why = Note::new(
            Some("u"),
            Reason::NotTrainable,
            None,
            "u is not trainable".into(),
        );
        s.bind_none("du", Some(&why));
        let back = decode(&encode(&s), &Limits::default()).unwrap();
        assert_eq!(back.none_why, s.none_why);
        assert_ne!(back.none_why, Default::default());
        // format 8 is format 9 without the reasons (an empty map is its one byte 0)
        let mut v8 = encode(&sample());
        assert_eq!(v8.pop(), Some(0));
        reads_as_the_sample(v8, 8);
    }

    /// Today's encoding of `sample()`, marked as written in an earlier `format` (whose bytes
    /// are the same where that format only lacks variants the sample does not use), decodes to
    /// the sample.
    fn reads_as_the_sample(mut bytes: Vec<u8>, format: u8) {
        bytes[3] = format;
        let old = decode(&bytes, &Limits::default()).unwrap();
        assert_eq!(describe(&old), describe(&sample()));
    }

    #[test]
    fn format_14_reads_as_format_15_without_a_dict() {
        // format 15 only adds variants (`Object::Dict`, `Kept::DictView`) at the ends of enums
        reads_as_the_sample(encode(&sample()), 14);
    }

    #[test]
    fn format_15_reads_as_format_16_without_a_named_tuple_or_rmsprop() {
        // format 16 only adds variants (`Object::NamedTuple`, `Rule::RmsProp`) at the ends of
        // enums
        reads_as_the_sample(encode(&sample()), 15);
    }

    #[test]
    fn format_16_reads_as_format_17_without_a_text_momentum() {
        // format 17 only adds a variant (`Rule::SgdTextMomentum`) at the end of an enum
        reads_as_the_sample(encode(&sample()), 16);
    }

    #[test]
    fn format_18_reads_as_format_19_without_a_read_only_array() {
        // format 19 only adds a variant (`Object::ReadOnlyArray`) at the end of an enum
        reads_as_the_sample(encode(&sample()), 18);
    }

    #[test]
    fn format_19_reads_as_format_20_without_a_reference() {
        // format 20 only adds a variant (`Kept::Ref`) at the end of an enum
        reads_as_the_sample(encode(&sample()), 19);
    }

    #[test]
    fn format_20_reads_as_format_21_without_a_tensor_hyperparameter() {
        // format 21 only adds variants (`Hyper::NpScalar`, `Hyper::Tensor`) at the end of an enum
        reads_as_the_sample(encode(&sample()), 20);
    }

    #[test]
    fn format_1_written_by_an_earlier_gradtape_still_reads() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sessions/format-v1.bin");
        if std::env::var_os("GRADTAPE_WRITE_FORMAT_SAMPLE").is_some() {
            std::fs::write(path, encode(&sample())).unwrap();
        }
        let bytes = std::fs::read(path).expect("tests/sessions/format-v1.bin");
        let s = decode(&bytes, &Limits::default()).unwrap_or_else(|e| {
            panic!("{e}: the serialized session types changed; bump codec::FORMAT, keep a reader for format 1, and write a new sample with GRADTAPE_WRITE_FORMAT_SAMPLE=1")
        });
        assert_eq!(describe(&s), describe(&sample()));
    }

    #[test]
    fn format_3_written_by_an_earlier_gradtape_still_reads() {
        // format 3's gradtape stored it after the cell: k = 3, a = np.array([1.0, 2.0]),
        // def scale(v, by=k), xs = [1, 'two', None, (4, 5)], push = xs.append,
        // w = tf.Variable([1.0, 2.0])
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sessions/format-v3.bin");
        let bytes = std::fs::read(path).expect("tests/sessions/format-v3.bin");
        assert_eq!(bytes[3], 3);
        let mut s = decode(&bytes, &Limits::default()).unwrap();
        let cell = "push(6)\nprint(scale(a), xs, w.numpy(), k)";
        let out = crate::sessions::kernel::run_cell(&mut s, cell, &Default::default(), None)
            .unwrap()
            .unwrap();
        assert!(out.error.is_none(), "{out:?}");
        // format 3 kept push's list apart from xs
        assert_eq!(out.stdout, "[3. 6.] [1, 'two', None, (4, 5)] [1. 2.] 3\n");
        // and the session is written in today's format
        assert_eq!(encode(&s)[3], FORMAT);
    }
    #[test]
    fn format_17_optimizers_read_back_with_their_numbers() {
        // format 17's gradtape stored it after the cell: g = tf.constant([0.5, -1.0]), w1, w2, w3
        // = tf.Variable([1.0, 2.0]), sgd = SGD(learning_rate=0.1, momentum=0.5, nesterov=True),
        // adam = Adam(beta_1=0.8, amsgrad=True), rms = RMSprop(rho=0.8, momentum=0.5,
        // centered=True), each applied once to (g, w1), (g, w2), (g, w3)
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/sessions/format-v17-optimizers.bin"
        );
        let bytes = std::fs::read(path).expect("tests/sessions/format-v17-optimizers.bin");
        assert_eq!(bytes[3], 17);
        let mut s = decode(&bytes, &Limits::default()).unwrap();
        let cell =
            "print(sgd.momentum, sgd.nesterov, adam.beta_1, adam.amsgrad, rms.rho, rms.centered)
sgd.apply_gradients([(g, w1)])
adam.apply_gradients([(g, w2)])
rms.apply_gradients([(g, w3)])
print(w1.numpy(), w2.numpy(), w3.numpy(), len(adam.variables), len(rms.variables))";
        let out = crate::sessions::kernel::run_cell(&mut s, cell, &Default::default(), None)
            .unwrap()
            .unwrap();
        assert!(out.error.is_none(), "{out:?}");
        // TensorFlow 2.15's stdout for the two cells run as one
        assert_eq!(
            out.stdout,
            "0.5 True 0.8 True 0.8 True\n[0.8375 2.325 ] [0.998     2.0019999] [0.9941667 2.0058334] 4 4\n"
        );
        assert_eq!(encode(&s)[3], FORMAT);
    }
}
