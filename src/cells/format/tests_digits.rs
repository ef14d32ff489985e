//! Dragon4 digits and layouts: each expectation is what the NumPy 1.26 call in the comment
//! above it returned.
#![allow(clippy::excessive_precision)] // literals are the exact float32 values printed

use super::digits::*;

#[test]
fn dragon4_matches_numpy() {
    // np.format_float_positional(np.float32(0.1), min_digits=10)
    assert_eq!(
        positional(
            0.1f32,
            &Dragon {
                min_digits: Some(10),
                ..Dragon::default()
            }
        ),
        "0.1000000015"
    );
    // np.format_float_scientific(np.float32(0.1), min_digits=10, precision=10)
    assert_eq!(
        scientific(
            0.1f32,
            &Dragon {
                min_digits: Some(10),
                precision: Some(10),
                ..Dragon::default()
            }
        ),
        "1.0000000149e-01"
    );
    // np.format_float_positional(0.123456789, precision=4)
    assert_eq!(
        positional(
            0.123456789f64,
            &Dragon {
                precision: Some(4),
                ..Dragon::default()
            }
        ),
        "0.1235"
    );
    // np.format_float_positional(0.5, precision=3, unique=False, trim='k')
    assert_eq!(
        positional(
            0.5f64,
            &Dragon {
                precision: Some(3),
                unique: false,
                ..Dragon::default()
            }
        ),
        "0.500"
    );
    // np.format_float_positional(2.0, trim='-')
    assert_eq!(
        positional(
            2.0f64,
            &Dragon {
                trim: Trim::DotZeros,
                ..Dragon::default()
            }
        ),
        "2"
    );
    // np.format_float_positional(2.0, trim='0')
    assert_eq!(
        positional(
            2.0f64,
            &Dragon {
                trim: Trim::LeaveOneZero,
                ..Dragon::default()
            }
        ),
        "2.0"
    );
    // np.format_float_positional(2.0, trim='.', pad_left=4, pad_right=3)
    assert_eq!(
        positional(
            2.0f64,
            &Dragon {
                trim: Trim::Dot,
                pad_left: 4,
                pad_right: Some(3),
                ..Dragon::default()
            }
        ),
        "   2.   "
    );
    // np.format_float_positional(-2.5, sign=True, pad_left=4)
    assert_eq!(
        positional(
            -2.5f64,
            &Dragon {
                sign: true,
                pad_left: 4,
                ..Dragon::default()
            }
        ),
        "  -2.5"
    );
    // np.format_float_positional(2.5, sign=True)
    assert_eq!(
        positional(
            2.5f64,
            &Dragon {
                sign: true,
                ..Dragon::default()
            }
        ),
        "+2.5"
    );
    // np.format_float_positional(1e-9, precision=8, trim='.')
    assert_eq!(
        positional(
            1e-9f64,
            &Dragon {
                precision: Some(8),
                trim: Trim::Dot,
                ..Dragon::default()
            }
        ),
        "0."
    );
    // np.format_float_positional(0.999999999, precision=8, trim='.')
    assert_eq!(
        positional(
            0.999999999f64,
            &Dragon {
                precision: Some(8),
                trim: Trim::Dot,
                ..Dragon::default()
            }
        ),
        "1."
    );
    // np.format_float_positional(123456.0)
    assert_eq!(positional(123456.0f64, &Dragon::default()), "123456.");
    // np.format_float_scientific(123456.0)
    assert_eq!(scientific(123456.0f64, &Dragon::default()), "1.23456e+05");
    // np.format_float_scientific(1e-300, exp_digits=4)
    assert_eq!(
        scientific(
            1e-300f64,
            &Dragon {
                exp_digits: Some(4),
                ..Dragon::default()
            }
        ),
        "1.e-0300"
    );
    // np.format_float_scientific(1.5, precision=3, unique=False)
    assert_eq!(
        scientific(
            1.5f64,
            &Dragon {
                precision: Some(3),
                unique: false,
                ..Dragon::default()
            }
        ),
        "1.500e+00"
    );
    // np.format_float_scientific(np.float32(2980287.25), precision=6)
    assert_eq!(
        scientific(
            2980287.25f32,
            &Dragon {
                precision: Some(6),
                ..Dragon::default()
            }
        ),
        "2.980287e+06"
    );
    // np.format_float_scientific(-0.0, trim='-')
    assert_eq!(
        scientific(
            -0.0f64,
            &Dragon {
                trim: Trim::DotZeros,
                ..Dragon::default()
            }
        ),
        "-0e+00"
    );
    // np.format_float_scientific(1.0, trim='0', pad_left=3)
    assert_eq!(
        scientific(
            1.0f64,
            &Dragon {
                trim: Trim::LeaveOneZero,
                pad_left: 3,
                ..Dragon::default()
            }
        ),
        "  1.0e+00"
    );
    // np.format_float_positional(np.float32(np.inf), sign=True)
    assert_eq!(
        positional(
            f32::INFINITY,
            &Dragon {
                sign: true,
                ..Dragon::default()
            }
        ),
        "+inf"
    );
    // np.format_float_positional(-np.nan)
    assert_eq!(positional(-f64::NAN, &Dragon::default()), "nan");
}

#[test]
fn float32_shortest_ties_take_the_even_digit() {
    // 2980287.25 sits halfway between 2980287.2 and 2980287.3, both of which read back as
    // it in float32; NumPy (Dragon4) prints the even one.
    assert_eq!(
        shortest(2980287.25f32),
        Digits {
            digits: "29802872".into(),
            exp: 6
        }
    );
    assert_eq!(
        shortest(0.0f32),
        Digits {
            digits: "0".into(),
            exp: 0
        }
    );
    // 0.1f32 is 0.100000001490116...: the shortest float32 digits are "1", its exact
    // value rounded to 10 places after the point is 0.1000000015.
    assert_eq!(shortest(0.1f32).digits, "1");
    assert_eq!(
        exact_frac(0.1f32, 10),
        Digits {
            digits: "1000000015".into(),
            exp: -1
        }
    );
    assert_eq!(
        exact_sig(0.125f64, 2),
        Digits {
            digits: "12".into(),
            exp: -1
        }
    );
}
