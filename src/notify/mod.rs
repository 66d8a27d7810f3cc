//! `rollout notify rules|plan`: posts the chat rules into each group chat and each branch's
//! plan status into its staff chat, journaled like `apply` so nothing is posted twice on one
//! day. (Being written: issue 13.)
