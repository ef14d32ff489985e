//! Python formatting checked against CPython 3.11 (each expectation is what the Python in
//! the comment beside it gave; errors by their exception type).
#![allow(clippy::excessive_precision)] // literals are the oracle's exact values

use super::py::{float_repr, format_spec, format_value, percent, repr, str, str_format, FmtArg};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

fn fl(x: f64) -> FmtArg {
    FmtArg::Float(x)
}
fn int(i: i64) -> FmtArg {
    FmtArg::Int(i)
}
fn s(x: &str) -> FmtArg {
    FmtArg::Str(x.into())
}
/// A scalar EagerTensor.
fn tensor(v: f64, d: DType) -> FmtArg {
    FmtArg::Tensor(Tensor::scalar(v, d))
}
/// What an error or value reads as: the text, or `TypeError` / `ValueError` / ...
fn shown(r: Result<String, super::py::FmtError>) -> String {
    r.unwrap_or_else(|e| e.type_name().to_string())
}

#[test]
fn float_repr_is_shortest_round_trip() {
    // repr(0.1)
    assert_eq!(float_repr(0.1), "0.1");
    // repr(0.30000000000000004)
    assert_eq!(float_repr(0.30000000000000004), "0.30000000000000004");
    // repr(1e-05)
    assert_eq!(float_repr(1e-05), "1e-05");
    // repr(0.0001)
    assert_eq!(float_repr(0.0001), "0.0001");
    // repr(1e+16)
    assert_eq!(float_repr(1e+16), "1e+16");
    // repr(1000000000000000.0)
    assert_eq!(float_repr(1000000000000000.0), "1000000000000000.0");
    // repr(1.2345678901234568e+17)
    assert_eq!(float_repr(1.2345678901234568e+17), "1.2345678901234568e+17");
    // repr(-0.0)
    assert_eq!(float_repr(-0.0), "-0.0");
    // repr(0.0)
    assert_eq!(float_repr(0.0), "0.0");
    // repr(1.0)
    assert_eq!(float_repr(1.0), "1.0");
    // repr(2.5)
    assert_eq!(float_repr(2.5), "2.5");
    // repr(inf)
    assert_eq!(float_repr(f64::INFINITY), "inf");
    // repr(-inf)
    assert_eq!(float_repr(f64::NEG_INFINITY), "-inf");
    // repr(nan)
    assert_eq!(float_repr(f64::NAN), "nan");
    // repr(1e-310)
    assert_eq!(float_repr(1e-310), "1e-310");
    // repr(5e-324)
    assert_eq!(float_repr(5e-324), "5e-324");
    // repr(1.7976931348623157e+308)
    assert_eq!(
        float_repr(1.7976931348623157e+308),
        "1.7976931348623157e+308"
    );
    // repr(2.7182817459106445)
    assert_eq!(float_repr(2.7182817459106445), "2.7182817459106445");
    // repr(100.0)
    assert_eq!(float_repr(100.0), "100.0");
    // repr(1e+22)
    assert_eq!(float_repr(1e+22), "1e+22");
    // repr(0.1450626254081726)
    assert_eq!(float_repr(0.1450626254081726), "0.1450626254081726");
    // repr(1.1805916207174113e+21)
    assert_eq!(float_repr(1.1805916207174113e+21), "1.1805916207174113e+21");
}

#[test]
fn percent_formatting() {
    // 'Loss = %f' % L
    assert_eq!(
        shown(percent(
            "Loss = %f",
            &[tensor(0.14506262f32 as f64, DType::F32)]
        )),
        "Loss = 0.145063"
    );
    // '%.3f | %e | %g' % (L, L, L)
    assert_eq!(
        shown(percent(
            "%.3f | %e | %g",
            &[
                tensor(0.14506262f32 as f64, DType::F32),
                tensor(0.14506262f32 as f64, DType::F32),
                tensor(0.14506262f32 as f64, DType::F32)
            ]
        )),
        "0.145 | 1.450626e-01 | 0.145063"
    );
    // '%f %.10f' % (L64, L64)
    assert_eq!(
        shown(percent(
            "%f %.10f",
            &[tensor(2.0 / 3.0, DType::F64), tensor(2.0 / 3.0, DType::F64)]
        )),
        "0.666667 0.6666666667"
    );
    // '%d items, %s' % (n, n)
    assert_eq!(
        shown(percent(
            "%d items, %s",
            &[tensor(7.0, DType::I32), tensor(7.0, DType::I32)]
        )),
        "7 items, tf.Tensor(7, shape=(), dtype=int32)"
    );
    // '%s' % L
    assert_eq!(
        shown(percent("%s", &[tensor(0.14506262f32 as f64, DType::F32)])),
        "tf.Tensor(0.14506263, shape=(), dtype=float32)"
    );
    // '%5.1f%%' % (L * 100)
    assert_eq!(
        shown(percent(
            "%5.1f%%",
            &[tensor((0.14506262f32 * 100.0) as f64, DType::F32)]
        )),
        " 14.5%"
    );
    // '%d' % tf.constant(2.7)
    assert_eq!(
        shown(percent("%d", &[tensor(2.7f32 as f64, DType::F32)])),
        "2"
    );
    // '%x|%#X|%o|%#o' % (255, 255, 8, 8)
    assert_eq!(
        shown(percent(
            "%x|%#X|%o|%#o",
            &[int(255), int(255), int(8), int(8)]
        )),
        "ff|0XFF|10|0o10"
    );
    // '%5d|%-5d|%05d|%+d|% d|%.3d' % (42, 42, -42, 42, 42, 5)
    assert_eq!(
        shown(percent(
            "%5d|%-5d|%05d|%+d|% d|%.3d",
            &[int(42), int(42), int(-42), int(42), int(42), int(5)]
        )),
        "   42|42   |-0042|+42| 42|005"
    );
    // '%10.4f|%-10.2f|%+.2e|%08.3f|%.0f|%#.0f' % (3.14259, 3.14259, 31415.9, -3.14259, 2.5, 2.5)
    assert_eq!(
        shown(percent(
            "%10.4f|%-10.2f|%+.2e|%08.3f|%.0f|%#.0f",
            &[
                fl(3.14259),
                fl(3.14259),
                fl(31415.9),
                fl(-3.14259),
                fl(2.5),
                fl(2.5)
            ]
        )),
        "    3.1426|3.14      |+3.14e+04|-003.143|2|2."
    );
    // '%g %g %g %G %.10g %#g' % (1e-5, 123456789.0, 0.0001, 1e-10, 1/3, 1.0)
    assert_eq!(
        shown(percent(
            "%g %g %g %G %.10g %#g",
            &[
                fl(1e-5),
                fl(123456789.0),
                fl(0.0001),
                fl(1e-10),
                fl(1.0 / 3.0),
                fl(1.0)
            ]
        )),
        "1e-05 1.23457e+08 0.0001 1E-10 0.3333333333 1.00000"
    );
    // '%s %r %s %r' % ('x', 'x', None, [1.0, 'a'])
    assert_eq!(
        shown(percent(
            "%s %r %s %r",
            &[
                s("x"),
                s("x"),
                FmtArg::None,
                FmtArg::List(vec![fl(1.0), s("a")])
            ]
        )),
        "x 'x' None [1.0, 'a']"
    );
    // '%5s|%-5s|%.2s|%c%c' % ('ab', 'ab', 'abc', 65, 'z')
    assert_eq!(
        shown(percent(
            "%5s|%-5s|%.2s|%c%c",
            &[s("ab"), s("ab"), s("abc"), int(65), s("z")]
        )),
        "   ab|ab   |ab|Az"
    );
    // '%*d|%-*.*f' % (5, 42, 8, 2, 3.14259)
    assert_eq!(
        shown(percent(
            "%*d|%-*.*f",
            &[int(5), int(42), int(8), int(2), fl(3.14259)]
        )),
        "   42|3.14    "
    );
    // '%f %05f %e' % (float('inf'), float('-inf'), float('nan'))
    assert_eq!(
        shown(percent(
            "%f %05f %e",
            &[fl(f64::INFINITY), fl(f64::NEG_INFINITY), fl(f64::NAN)]
        )),
        "inf -0inf nan"
    );
    // '%d %s' % (True, False)
    assert_eq!(
        shown(percent("%d %s", &[FmtArg::Bool(true), FmtArg::Bool(false)])),
        "1 False"
    );
    // '%d' % 1e20
    assert_eq!(shown(percent("%d", &[fl(1e20)])), "100000000000000000000");
    // '%d %d' % (1,)
    assert_eq!(shown(percent("%d %d", &[int(1)])), "TypeError");
    // '%d' % (1, 2)
    assert_eq!(shown(percent("%d", &[int(1), int(2)])), "TypeError");
    // '%d' % 'x'
    assert_eq!(shown(percent("%d", &[s("x")])), "TypeError");
    // '%f' % 'x'
    assert_eq!(shown(percent("%f", &[s("x")])), "TypeError");
    // '%x' % 2.5
    assert_eq!(shown(percent("%x", &[fl(2.5)])), "TypeError");
    // '%z' % (1,)
    assert_eq!(shown(percent("%z", &[int(1)])), "ValueError");
    // '%' % ()
    assert_eq!(shown(percent("%", &[])), "ValueError");
    // '%(a)s' % (1,)
    assert_eq!(shown(percent("%(a)s", &[int(1)])), "TypeError");
    // 'no args' % ()
    assert_eq!(shown(percent("no args", &[])), "no args");
    // '100%%' % ()
    assert_eq!(shown(percent("100%%", &[])), "100%");
}

#[test]
fn format_specs() {
    // format(L, '.4f')
    assert_eq!(
        shown(format_spec(
            &tensor(0.14506262f32 as f64, DType::F32),
            ".4f"
        )),
        "0.1451"
    );
    // format(L, '')
    assert_eq!(
        shown(format_spec(&tensor(0.14506262f32 as f64, DType::F32), "")),
        "0.1450626254081726"
    );
    // format(L, '8.3f')
    assert_eq!(
        shown(format_spec(
            &tensor(0.14506262f32 as f64, DType::F32),
            "8.3f"
        )),
        "   0.145"
    );
    // format(n, '3d')
    assert_eq!(shown(format_spec(&tensor(7.0, DType::I32), "3d")), "  7");
    // format(n, '')
    assert_eq!(shown(format_spec(&tensor(7.0, DType::I32), "")), "7");
    // format(tf.constant([1.5, 2.0]), '')
    assert_eq!(
        shown(format_spec(
            &FmtArg::Tensor(Tensor::from_f64s(&[2], &[1.5, 2.0], DType::F32).unwrap()),
            ""
        )),
        "[1.5 2. ]"
    );
    // format(tf.constant([1.5, 2.0]), '.2f')
    assert_eq!(
        shown(format_spec(
            &FmtArg::Tensor(Tensor::from_f64s(&[2], &[1.5, 2.0], DType::F32).unwrap()),
            ".2f"
        )),
        "TypeError"
    );
    // format(np.float32(0.1), '')
    assert_eq!(
        shown(format_spec(
            &FmtArg::NpScalar(Tensor::scalar(0.1f32 as f64, DType::F32)),
            ""
        )),
        "0.10000000149011612"
    );
    // format(np.float32(0.1), '.3f')
    assert_eq!(
        shown(format_spec(
            &FmtArg::NpScalar(Tensor::scalar(0.1f32 as f64, DType::F32)),
            ".3f"
        )),
        "0.100"
    );
    // format(np.float64(0.1), '')
    assert_eq!(
        shown(format_spec(
            &FmtArg::NpScalar(Tensor::scalar(0.1, DType::F64)),
            ""
        )),
        "0.1"
    );
    // format(np.int64(5), '03d')
    assert_eq!(
        shown(format_spec(
            &FmtArg::NpScalar(Tensor::scalar(5.0, DType::I64)),
            "03d"
        )),
        "005"
    );
    // format(np.bool_(True), '')
    assert_eq!(
        shown(format_spec(
            &FmtArg::NpScalar(Tensor::scalar(1.0, DType::Bool)),
            ""
        )),
        "True"
    );
    // format(np.array([1.0, 2.0]), '')
    assert_eq!(
        shown(format_spec(
            &FmtArg::Array(Tensor::from_f64s(&[2], &[1.0, 2.0], DType::F64).unwrap()),
            ""
        )),
        "[1. 2.]"
    );
    // format(0.14506262540817261, '.2e')
    assert_eq!(
        shown(format_spec(&fl(0.14506262540817261), ".2e")),
        "1.45e-01"
    );
    // format(1234.5, ',.2f')
    assert_eq!(shown(format_spec(&fl(1234.5), ",.2f")), "1,234.50");
    // format(0.25, '%')
    assert_eq!(shown(format_spec(&fl(0.25), "%")), "25.000000%");
    // format(0.2567, '.1%')
    assert_eq!(shown(format_spec(&fl(0.2567), ".1%")), "25.7%");
    // format(123.0, '.3')
    assert_eq!(shown(format_spec(&fl(123.0), ".3")), "1.23e+02");
    // format(12.0, '.3')
    assert_eq!(shown(format_spec(&fl(12.0), ".3")), "12.0");
    // format(1e16, '')
    assert_eq!(shown(format_spec(&fl(1e16), "")), "1e+16");
    // format(1234567.0, 'g')
    assert_eq!(shown(format_spec(&fl(1234567.0), "g")), "1.23457e+06");
    // format(0.00001234, '.2g')
    assert_eq!(shown(format_spec(&fl(0.00001234), ".2g")), "1.2e-05");
    // format(-0.0, '')
    assert_eq!(shown(format_spec(&fl(-0.0), "")), "-0.0");
    // format(-0.001, 'z.1f')
    assert_eq!(shown(format_spec(&fl(-0.001), "z.1f")), "0.0");
    // format(2.5, '+08.2f')
    assert_eq!(shown(format_spec(&fl(2.5), "+08.2f")), "+0002.50");
    // format(-2.5, '=+8')
    assert_eq!(shown(format_spec(&fl(-2.5), "=+8")), "-    2.5");
    // format(2.5, '*^11.3f')
    assert_eq!(shown(format_spec(&fl(2.5), "*^11.3f")), "***2.500***");
    // format(2.5, '<8')
    assert_eq!(shown(format_spec(&fl(2.5), "<8")), "2.5     ");
    // format(float('inf'), '05')
    assert_eq!(shown(format_spec(&fl(f64::INFINITY), "05")), "00inf");
    // format(1234.5678, '012,.1f')
    assert_eq!(
        shown(format_spec(&fl(1234.5678), "012,.1f")),
        "00,001,234.6"
    );
    // format(3.0, 'e')
    assert_eq!(shown(format_spec(&fl(3.0), "e")), "3.000000e+00");
    // format(3.0, 'E')
    assert_eq!(shown(format_spec(&fl(3.0), "E")), "3.000000E+00");
    // format(float('nan'), 'F')
    assert_eq!(shown(format_spec(&fl(f64::NAN), "F")), "NAN");
    // format(42, '*^9')
    assert_eq!(shown(format_spec(&int(42), "*^9")), "***42****");
    // format(42, '#x')
    assert_eq!(shown(format_spec(&int(42), "#x")), "0x2a");
    // format(42, '#b')
    assert_eq!(shown(format_spec(&int(42), "#b")), "0b101010");
    // format(-42, '08,')
    assert_eq!(shown(format_spec(&int(-42), "08,")), "-000,042");
    // format(1234567, '_')
    assert_eq!(shown(format_spec(&int(1234567), "_")), "1_234_567");
    // format(1234, '010,')
    assert_eq!(shown(format_spec(&int(1234), "010,")), "00,001,234");
    // format(255, 'X')
    assert_eq!(shown(format_spec(&int(255), "X")), "FF");
    // format(65, 'c')
    assert_eq!(shown(format_spec(&int(65), "c")), "A");
    // format(3, 'e')
    assert_eq!(shown(format_spec(&int(3), "e")), "3.000000e+00");
    // format(3, '.2f')
    assert_eq!(shown(format_spec(&int(3), ".2f")), "3.00");
    // format(7, '+')
    assert_eq!(shown(format_spec(&int(7), "+")), "+7");
    // format(7, ' 5')
    assert_eq!(shown(format_spec(&int(7), " 5")), "    7");
    // format(3, '.2')
    assert_eq!(shown(format_spec(&int(3), ".2")), "ValueError");
    // format(True, '>5')
    assert_eq!(shown(format_spec(&FmtArg::Bool(true), ">5")), "    1");
    // format(True, '')
    assert_eq!(shown(format_spec(&FmtArg::Bool(true), "")), "True");
    // format(None, '')
    assert_eq!(shown(format_spec(&FmtArg::None, "")), "None");
    // format(None, '>4')
    assert_eq!(shown(format_spec(&FmtArg::None, ">4")), "TypeError");
    // format('ab', '>5')
    assert_eq!(shown(format_spec(&s("ab"), ">5")), "   ab");
    // format('ab', '^6')
    assert_eq!(shown(format_spec(&s("ab"), "^6")), "  ab  ");
    // format('ab', '05')
    assert_eq!(shown(format_spec(&s("ab"), "05")), "ab000");
    // format('abcdef', '.3')
    assert_eq!(shown(format_spec(&s("abcdef"), ".3")), "abc");
    // format('ab', '+')
    assert_eq!(shown(format_spec(&s("ab"), "+")), "ValueError");
    // format('ab', 'd')
    assert_eq!(shown(format_spec(&s("ab"), "d")), "ValueError");
    // format(2.5, 'd')
    assert_eq!(shown(format_spec(&fl(2.5), "d")), "ValueError");
    // format(2.5, '5.2q')
    assert_eq!(shown(format_spec(&fl(2.5), "5.2q")), "ValueError");
    // format([1, 2], '')
    assert_eq!(
        shown(format_spec(&FmtArg::List(vec![int(1), int(2)]), "")),
        "[1, 2]"
    );
    // format([1, 2], '>5')
    assert_eq!(
        shown(format_spec(&FmtArg::List(vec![int(1), int(2)]), ">5")),
        "TypeError"
    );
    // format(tf.Variable(2.5), '.2f')
    assert_eq!(
        shown(format_spec(
            &FmtArg::Variable {
                name: "Variable:0".into(),
                value: Tensor::scalar(2.5, DType::F32)
            },
            ".2f"
        )),
        "TypeError"
    );
    // format(tf.zeros((2, 4)).shape, '')
    assert_eq!(shown(format_spec(&FmtArg::Shape(vec![2, 4]), "")), "(2, 4)");
    // format(tf.float32, '')
    assert_eq!(
        shown(format_spec(&FmtArg::DType(DType::F32), "")),
        "<dtype: 'float32'>"
    );
}

#[test]
fn str_format_templates() {
    // '{} {:.2f} {!r:>6}'.format('a', 3.14259, 'b')
    assert_eq!(
        shown(str_format(
            "{} {:.2f} {!r:>6}",
            &[s("a"), fl(3.14259), s("b")],
            &[]
        )),
        "a 3.14    'b'"
    );
    // '{0}-{1}-{0}'.format('x', 'y')
    assert_eq!(
        shown(str_format("{0}-{1}-{0}", &[s("x"), s("y")], &[])),
        "x-y-x"
    );
    // '{name}: {value:.3e}'.format(name='lr', value=0.001)
    assert_eq!(
        shown(str_format(
            "{name}: {value:.3e}",
            &[],
            &[
                ("name".to_string(), s("lr")),
                ("value".to_string(), fl(0.001))
            ]
        )),
        "lr: 1.000e-03"
    );
    // '{{literal}} {}'.format(1,)
    assert_eq!(
        shown(str_format("{{literal}} {}", &[int(1)], &[])),
        "{literal} 1"
    );
    // '{:{w}.{p}f}'.format(3.14259, w=10, p=3)
    assert_eq!(
        shown(str_format(
            "{:{w}.{p}f}",
            &[fl(3.14259)],
            &[("w".to_string(), int(10)), ("p".to_string(), int(3))]
        )),
        "     3.143"
    );
    // '{0[1]} {1!s}'.format([1, 2], None)
    assert_eq!(
        shown(str_format(
            "{0[1]} {1!s}",
            &[FmtArg::List(vec![int(1), int(2)]), FmtArg::None],
            &[]
        )),
        "2 None"
    );
    // '{} {}'.format(1,)
    assert_eq!(shown(str_format("{} {}", &[int(1)], &[])), "IndexError");
    // '{0} {}'.format(1, 2)
    assert_eq!(
        shown(str_format("{0} {}", &[int(1), int(2)], &[])),
        "ValueError"
    );
    // '{missing}'.format()
    assert_eq!(shown(str_format("{missing}", &[], &[])), "KeyError");
    // 'a } b'.format()
    assert_eq!(shown(str_format("a } b", &[], &[])), "ValueError");
    // '{'.format()
    assert_eq!(shown(str_format("{", &[], &[])), "ValueError");
}

#[test]
fn str_and_repr_of_values() {
    // str([a, b])
    assert_eq!(str(&FmtArg::List(vec![FmtArg::Tensor(Tensor::from_f64s(&[2], &[1.0, 2.0], DType::F32).unwrap()), tensor(3.0, DType::I32)])), "[<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>, <tf.Tensor: shape=(), dtype=int32, numpy=3>]");
    // str((a, None))
    assert_eq!(
        str(&FmtArg::Tuple(vec![
            FmtArg::Tensor(Tensor::from_f64s(&[2], &[1.0, 2.0], DType::F32).unwrap()),
            FmtArg::None
        ])),
        "(<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>, None)"
    );
    // str([W])
    assert_eq!(str(&FmtArg::List(vec![FmtArg::Variable { name: "Variable:0".into(), value: Tensor::from_f64s(&[1, 2], &[0.5, 0.25], DType::F32).unwrap() }])), "[<tf.Variable 'Variable:0' shape=(1, 2) dtype=float32, numpy=array([[0.5 , 0.25]], dtype=float32)>]");
    // str([a.shape, b.shape])
    assert_eq!(
        str(&FmtArg::List(vec![
            FmtArg::Shape(vec![2]),
            FmtArg::Shape(vec![])
        ])),
        "[TensorShape([2]), TensorShape([])]"
    );
    // str((a.dtype, b.dtype))
    assert_eq!(
        str(&FmtArg::Tuple(vec![
            FmtArg::DType(DType::F32),
            FmtArg::DType(DType::I32)
        ])),
        "(tf.float32, tf.int32)"
    );
    // str([1.0, 2.5])
    assert_eq!(str(&FmtArg::List(vec![fl(1.0), fl(2.5)])), "[1.0, 2.5]");
    // str((3, 'x'))
    assert_eq!(str(&FmtArg::Tuple(vec![int(3), s("x")])), "(3, 'x')");
    // str((3,))
    assert_eq!(str(&FmtArg::Tuple(vec![int(3)])), "(3,)");
    // str(())
    assert_eq!(str(&FmtArg::Tuple(vec![])), "()");
    // str([[1, [True, None]], 'it\'s'])
    assert_eq!(
        str(&FmtArg::List(vec![
            FmtArg::List(vec![
                int(1),
                FmtArg::List(vec![FmtArg::Bool(true), FmtArg::None])
            ]),
            s("it's")
        ])),
        "[[1, [True, None]], \"it's\"]"
    );
    // str([np.float32(0.1), np.array([1.5, 2.0]), np.array([1.5], dtype=np.float32).dtype])
    assert_eq!(
        str(&FmtArg::List(vec![
            FmtArg::NpScalar(Tensor::scalar(0.1f32 as f64, DType::F32)),
            FmtArg::Array(Tensor::from_f64s(&[2], &[1.5, 2.0], DType::F64).unwrap()),
            FmtArg::NpDType(DType::F32)
        ])),
        "[0.1, array([1.5, 2. ]), dtype('float32')]"
    );
    // str(np.array([1.5], dtype=np.float32).dtype)
    assert_eq!(str(&FmtArg::NpDType(DType::F32)), "float32");
    // repr('tab\there\n')
    assert_eq!(repr(&s("tab\there\n")), "'tab\\there\\n'");
    // repr('it\'s "x"')
    assert_eq!(repr(&s("it's \"x\"")), "'it\\'s \"x\"'");
    // repr('\x00\x7f\xa0é€')
    assert_eq!(repr(&s("\u{0}\u{7f}\u{a0}é€")), "'\\x00\\x7f\\xa0é€'");
    // str('plain')
    assert_eq!(str(&s("plain")), "plain");
    // f"{'x'!r:>5}"
    assert_eq!(format_value(&s("x"), Some('r'), ">5").unwrap(), "  'x'");
}
