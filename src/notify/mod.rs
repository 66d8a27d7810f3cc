//! `rollout notify rules|plan`: posts the chat rules into each group chat and each branch's
//! plan summary into its staff chat, journaled like `apply` so nothing is posted twice: the
//! texts ([`text`]), cut to the platform's message size ([`split`]), and posted through the
//! journal ([`deliver`]).

pub mod deliver;
pub mod split;
pub mod text;

pub use deliver::text_hash;
