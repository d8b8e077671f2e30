//! The engine against queueing theory, its own invariants and its documentation: one test
//! binary, so the tests link once. `memory.rs` is a binary of its own: it counts every
//! allocation with a global allocator, which would count the other tests' too.

mod support;

mod alternatives;
mod behaviours;
mod capacity;
mod corrections;
mod demand;
mod docs;
mod overflow;
mod pathway;
mod queueing;
mod together;
mod trace;
mod transfers;
mod uncertainty;
mod yardstick;
