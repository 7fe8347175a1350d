//! A stop (or a discovery, or a plan) the caller can watch and cancel, under one deadline.
pub mod handle;
pub mod store_info;
