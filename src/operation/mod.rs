//! A stop, a start or a rolling restart (or a discovery, or a plan) the caller can watch and cancel, under one deadline: the handle the caller
//! holds, the state it shares with the worker threads, and the driver that does the work.
pub mod audit;
mod forced_check;
pub mod handle;
mod in_turn;
pub mod request;
pub mod restart;
pub mod run_state;
pub mod start;
pub mod stop;
pub mod store_info;
