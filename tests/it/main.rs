//! Black-box tests of the `rollout` binary. One test crate (one link of the big
//! dependency tree); each test works in its own temporary workspace.

mod apply;
mod bad_input;
mod browser;
mod cli;
mod diff;
mod fuzz_replay;
mod help;
mod hostile;
mod hostile_files;
mod hostile_limits;
mod hostile_state;
mod house;
mod layouts;
mod leavers;
mod letters;
mod links;
mod messages;
mod newcomer;
mod newcomer2;
mod normalisation;
mod notify;
mod plans;
mod platform_config;
mod platform_live;
mod platform_rate;
mod properties;
mod reading;
mod rules;
mod samples;
mod server;
mod state;
mod structure;
mod testserver;
mod util;
