//! The one integration-test binary (one binary links far faster than many).

mod activations;
mod conformance;
mod gradcheck;
mod http;
mod support;
