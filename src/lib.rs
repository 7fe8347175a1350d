//! Clustron DKV admin core (being written).
