//! The one integration-test binary (one binary links far faster than many).

mod activations;
mod bad_input;
mod cells;
mod cells_compare;
mod cli;
mod conformance;
mod explain_numerics;
mod explain_session;
mod explain_why;
mod faults;
mod gradcheck;
mod grade;
mod grade_cli;
mod http;
mod jacobian;
mod messages;
mod observe;
mod openapi;
mod ops;
mod plots;
mod redis_server;
mod registry;
mod sessions;
mod store;
mod support;
mod tf_corners;
