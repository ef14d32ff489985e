//! The compact serde form of a tensor: dtype, shape and the elements as raw little-endian bytes.
//!
//! Tapes, variables and named tensors share one buffer many times over (a tape keeps every input
//! and output it recorded). Inside `shared(..)` each distinct buffer is written once and later
//! uses refer back to it by index, and reading restores the sharing, so a session's stored size
//! and its memory after a reload match what it held before. Outside `shared` every tensor is
//! written whole.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::dtype::DType;
use super::tensor::{Arr, Elem, Tensor};

/// Identifies one buffer view: same dtype, data pointer, shape and strides mean same elements.
type ViewKey = (DType, usize, Vec<usize>, Vec<isize>);

#[derive(Default)]
struct Table {
    written: HashMap<ViewKey, u32>,
    read: Vec<Tensor>,
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Runs `f` (one serialization or deserialization) with buffers shared across its tensors.
pub fn shared<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(Option<Table>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let outer = self.0.take();
            TABLE.with(|t| *t.borrow_mut() = outer);
        }
    }
    let outer = TABLE.with(|t| t.borrow_mut().replace(Table::default()));
    let _reset = Reset(outer);
    f()
}

/// Raw bytes, written with `serialize_bytes` (a length and a copy, not one call per byte).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[derive(Serialize)]
enum WireOut<'a> {
    Full {
        dtype: DType,
        shape: &'a [usize],
        data: Bytes<'a>,
    },
    Same(u32),
}

#[derive(Deserialize)]
enum WireIn {
    Full {
        dtype: DType,
        shape: Vec<usize>,
        data: ByteBuf,
    },
    Same(u32),
}

/// Little-endian bytes of the elements in logical (row-major) order: the buffer itself when it
/// is contiguous on a little-endian machine, else one pass that converts each element.
fn le_bytes<T: Elem + bytemuck::Pod, const W: usize>(
    a: &Arr<T>,
    to_le: impl Fn(T) -> [u8; W],
) -> Cow<'_, [u8]> {
    match a.as_slice() {
        Some(s) if cfg!(target_endian = "little") => Cow::Borrowed(bytemuck::cast_slice(s)),
        _ => Cow::Owned(a.iter().flat_map(|&x| to_le(x)).collect()),
    }
}

fn encode(t: &Tensor) -> Cow<'_, [u8]> {
    match t {
        Tensor::F32(a) => le_bytes(a, f32::to_le_bytes),
        Tensor::F64(a) => le_bytes(a, f64::to_le_bytes),
        Tensor::I32(a) => le_bytes(a, i32::to_le_bytes),
        Tensor::I64(a) => le_bytes(a, i64::to_le_bytes),
        Tensor::Bool(a) => Cow::Owned(a.iter().map(|&x| x as u8).collect()),
    }
}

fn key(t: &Tensor) -> ViewKey {
    crate::with_any!(t, a => (t.dtype(), a.as_ptr() as usize, a.shape().to_vec(), a.strides().to_vec()))
}

impl Serialize for Tensor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let seen = TABLE.with(|t| {
            let mut t = t.borrow_mut();
            let table = t.as_mut()?;
            let k = key(self);
            if let Some(&i) = table.written.get(&k) {
                return Some(Some(i));
            }
            let i = table.written.len() as u32;
            table.written.insert(k, i);
            Some(None)
        });
        if let Some(Some(i)) = seen {
            return WireOut::Same(i).serialize(s);
        }
        let data = encode(self);
        WireOut::Full {
            dtype: self.dtype(),
            shape: self.shape(),
            data: Bytes(&data),
        }
        .serialize(s)
    }
}

fn array<T: Elem, const W: usize>(
    shape: &[usize],
    data: &[u8],
    from_le: impl Fn([u8; W]) -> T,
) -> Result<Tensor, String> {
    let n = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or("a stored tensor's shape overflows")?;
    if n.checked_mul(W) != Some(data.len()) {
        return Err(format!(
            "a stored tensor of shape {shape:?} has {} bytes of data, not {}",
            data.len(),
            n.saturating_mul(W)
        ));
    }
    let v: Vec<T> = data
        .chunks_exact(W)
        .map(|c| from_le(c.try_into().expect("chunks of W bytes")))
        .collect();
    let a = ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| e.to_string())?;
    Ok(Tensor::from_array(a))
}

fn decode(dtype: DType, shape: &[usize], data: &[u8]) -> Result<Tensor, String> {
    match dtype {
        DType::F32 => array(shape, data, f32::from_le_bytes),
        DType::F64 => array(shape, data, f64::from_le_bytes),
        DType::I32 => array(shape, data, i32::from_le_bytes),
        DType::I64 => array(shape, data, i64::from_le_bytes),
        DType::Bool => {
            if data.iter().any(|&b| b > 1) {
                return Err("a stored bool tensor holds a byte other than 0 or 1".into());
            }
            array(shape, data, |[b]: [u8; 1]| b == 1)
        }
    }
}

impl<'de> Deserialize<'de> for Tensor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tensor, D::Error> {
        let t = match WireIn::deserialize(d)? {
            WireIn::Full { dtype, shape, data } => {
                let t = decode(dtype, &shape, &data.0).map_err(de::Error::custom)?;
                TABLE.with(|tb| {
                    if let Some(table) = tb.borrow_mut().as_mut() {
                        table.read.push(t.clone());
                    }
                });
                t
            }
            WireIn::Same(i) => TABLE
                .with(|tb| {
                    tb.borrow()
                        .as_ref()
                        .and_then(|table| table.read.get(i as usize).cloned())
                })
                .ok_or_else(|| {
                    de::Error::custom(format!(
                        "a stored tensor refers to buffer {i}, not written before it"
                    ))
                })?,
        };
        Ok(t)
    }
}

/// Bytes read by `deserialize_bytes` (borrowed or owned, whichever the format gives).
struct ByteBuf(Vec<u8>);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteBuf, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("tensor bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ByteBuf, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(ByteBuf(out))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<T: Serialize + for<'de> Deserialize<'de>>(v: &T) -> (Vec<u8>, T) {
        let bytes = shared(|| postcard::to_allocvec(v)).expect("serializes");
        let back = shared(|| postcard::from_bytes(&bytes)).expect("deserializes");
        (bytes, back)
    }

    #[test]
    fn elements_are_raw_little_endian_bytes() {
        // 1.0f32 is 0x3f800000, so its little-endian bytes are 00 00 80 3f.
        let t =
            Tensor::from_array(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0f32, -2.0]).unwrap());
        let (bytes, back) = roundtrip(&t);
        assert_eq!(back, t);
        let one = [0x00, 0x00, 0x80, 0x3f];
        let minus_two = (-2.0f32).to_le_bytes();
        assert!(bytes
            .windows(8)
            .any(|w| w[..4] == one && w[4..] == minus_two));
        // variant, dtype, shape [2], length 8, 8 bytes: 13 in all
        assert_eq!(bytes.len(), 13);
    }

    #[test]
    fn every_dtype_round_trips_and_transposed_views_keep_their_order() {
        let m = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1i64, 2, 3, 4, 5, i64::MIN]).unwrap();
        let t = Tensor::I64(m.reversed_axes().into_shared());
        assert_eq!(roundtrip(&t).1, t);
        for t in [
            Tensor::scalar(0.1, DType::F64),
            Tensor::scalar(-7.0, DType::I32),
            Tensor::full(&[2, 0], 1.0, DType::F32),
            Tensor::from_array(ArrayD::from_shape_vec(IxDyn(&[2]), vec![true, false]).unwrap()),
        ] {
            assert_eq!(roundtrip(&t).1, t);
        }
    }

    #[test]
    fn a_shared_buffer_is_written_once_and_shared_again_after_reading() {
        let big = Tensor::full(&[1000], 2.5, DType::F64);
        let (bytes, back) = roundtrip(&vec![big.clone(), big.clone(), big]);
        // 8000 bytes of data once, then two back-references of two bytes each
        assert!(bytes.len() < 8020, "{} bytes", bytes.len());
        let ptr = |t: &Tensor| crate::with_any!(t, a => a.as_ptr() as usize);
        assert_eq!(ptr(&back[0]), ptr(&back[2]));
        assert_eq!(back[1], Tensor::full(&[1000], 2.5, DType::F64));
    }

    #[test]
    fn corrupt_data_is_refused_with_a_reason() {
        let t = Tensor::full(&[3], 1.0, DType::F32);
        let mut bytes = postcard::to_allocvec(&t).unwrap();
        bytes.truncate(bytes.len() - 1);
        assert!(postcard::from_bytes::<Tensor>(&bytes).is_err());
        let bad = postcard::to_allocvec(&WireOut::Full {
            dtype: DType::Bool,
            shape: &[1],
            data: Bytes(&[7]),
        })
        .unwrap();
        let err = postcard::from_bytes::<Tensor>(&bad)
            .unwrap_err()
            .to_string();
        assert!(!err.is_empty());
        let dangling = postcard::to_allocvec(&WireOut::Same(3)).unwrap();
        assert!(postcard::from_bytes::<Tensor>(&dangling).is_err());
    }
}
