//! The one integration-test binary (one binary links far faster than many).

mod conformance;
mod gradcheck;
mod http;
mod sessions;
mod support;
